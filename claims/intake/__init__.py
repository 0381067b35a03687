"""Bringing articles in: files (and later pages and feeds) turned into ArticleIn records."""
