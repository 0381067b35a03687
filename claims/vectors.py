"""A FAISS wrapper keyed by claim id: inner product on L2-normalised vectors, i.e. cosine."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import faiss
import numpy as np


class VectorIndex:
    """IndexIDMap2 over a flat inner-product index; searches are concurrent, writes locked."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        # Keep the inner index referenced: FAISS does not, and it would be garbage-collected.
        self._flat = faiss.IndexFlatIP(dimension)
        self._index = faiss.IndexIDMap2(self._flat)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def _check(self, vectors: np.ndarray) -> np.ndarray:
        """Return vectors as a C-contiguous float32 matrix, or raise ValueError."""
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != self.dimension:
            raise ValueError(f"expected vectors of dimension {self.dimension}, got {matrix.shape}")
        return matrix

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        """Add vectors under the given ids, replacing any that are already present."""
        matrix = self._check(vectors)
        if len(ids) != len(matrix):
            raise ValueError("ids and vectors differ in length")
        id_array = np.asarray(ids, dtype=np.int64)
        with self._lock:
            self._index.remove_ids(id_array)
            self._index.add_with_ids(matrix, id_array)

    def remove(self, ids: list[int]) -> int:
        """Remove the given ids and return how many were present."""
        with self._lock:
            return int(self._index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """Return, for each query vector, up to k (id, cosine) pairs, best first."""
        matrix = self._check(vectors)
        if len(self) == 0 or k <= 0:
            return [[] for _ in range(len(matrix))]
        scores, ids = self._index.search(matrix, min(k, len(self)))
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i != -1]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def ids(self) -> list[int]:
        """Return every id in the index, in FAISS's order."""
        return faiss.vector_to_array(self._index.id_map).tolist()

    def reconstruct(self, claim_id: int) -> np.ndarray:
        """Return the stored vector of one id."""
        return self._index.reconstruct(claim_id)

    def save(self, path: str | Path) -> None:
        """Write the index atomically: a temp file, then os.replace."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        with self._lock:
            faiss.write_index(self._index, str(tmp))
        os.replace(tmp, target)

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        """Read an index written by save()."""
        loaded = faiss.read_index(str(path))
        index = cls(loaded.d)
        index._index = loaded
        index._flat = faiss.downcast_index(loaded.index)
        return index
