"""Matching claims: encoders, the vector and BM25 indexes, fusion and retrieval metrics."""
