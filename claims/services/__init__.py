"""Use cases, one function each; they take the session, embedder and index as arguments."""
