"""Pure text processing: an article body in, scored and attributed claim drafts out."""
