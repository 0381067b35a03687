"""A FAISS wrapper keyed by claim id: inner product on L2-normalised vectors, i.e. cosine.

Two kinds: exact search (IndexIDMap2 over a flat index) for small collections, and IVF (an
inverted file trained on the stored vectors, with a hash-table direct map so ids can be
removed and vectors reconstructed) beyond a configurable size.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

# One thread a query: on busy cores an OpenMP team waits for a free one (8 ms a query here
# instead of 0.1 ms), and serving parallelism comes from worker processes anyway.
faiss.omp_set_num_threads(1)


@contextmanager
def all_cores() -> Iterator[None]:
    """Let FAISS use every core for bulk work (training), then go back to one thread."""
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


class VectorIndex:
    """Exact or IVF inner-product search keyed by id; searches are concurrent, writes locked."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        # Keep the inner index referenced: FAISS does not, and it would be garbage-collected.
        self._inner = faiss.IndexFlatIP(dimension)
        self._index = faiss.IndexIDMap2(self._inner)
        # True while the vectors are memory-mapped from the saved file: shared, read-only.
        self.mapped = False
        self._lock = threading.Lock()

    @classmethod
    def ivf(cls, training: np.ndarray, lists: int, nprobe: int) -> VectorIndex:
        """Return an empty IVF index trained on these vectors, searching `nprobe` lists."""
        matrix = np.ascontiguousarray(training, dtype=np.float32)
        index = cls(matrix.shape[1])
        index._inner = faiss.IndexFlatIP(index.dimension)
        ivf = faiss.IndexIVFFlat(index._inner, index.dimension, lists, faiss.METRIC_INNER_PRODUCT)
        with all_cores():
            ivf.train(matrix)
        # A hash-table direct map keeps arbitrary ids removable and reconstructible.
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        ivf.nprobe = nprobe
        index._index = ivf
        return index

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def kind(self) -> str:
        """Describe the search: "exact" or "IVF<lists>, nprobe <n>"."""
        if isinstance(self._index, faiss.IndexIVF):
            return f"IVF{self._index.nlist}, nprobe {self._index.nprobe}"
        return "exact"

    @property
    def exact(self) -> bool:
        """Tell whether searches are exhaustive."""
        return not isinstance(self._index, faiss.IndexIVF)

    def set_nprobe(self, nprobe: int) -> None:
        """Set how many IVF lists a search visits (no effect on exact search)."""
        if not self.exact:
            self._index.nprobe = nprobe

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
            self._own()
            self._index.remove_ids(id_array)
            self._index.add_with_ids(matrix, id_array)

    def remove(self, ids: list[int]) -> int:
        """Remove the given ids and return how many were present."""
        with self._lock:
            self._own()
            return int(self._index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def search(
        self, vectors: np.ndarray, k: int, skip: faiss.IDSelector | None = None
    ) -> list[list[tuple[int, float]]]:
        """Return, for each query vector, up to k (id, cosine) pairs, best first.

        `skip` selects ids to leave out, such as vectors removed since the file was written.
        """
        matrix = self._check(vectors)
        if len(self) == 0 or k <= 0:
            return [[] for _ in range(len(matrix))]
        params = None
        if skip is not None:
            params = (
                faiss.SearchParameters(sel=skip)
                if self.exact
                else faiss.SearchParametersIVF(sel=skip, nprobe=self._index.nprobe)
            )
        scores, ids = self._index.search(matrix, min(k, len(self)), params=params)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i != -1]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def ids(self) -> list[int]:
        """Return every id in the index, in FAISS's order."""
        if self.exact:
            return faiss.vector_to_array(self._index.id_map).tolist()
        lists = self._index.invlists
        ids: list[int] = []
        for number in range(lists.nlist):
            size = lists.list_size(number)
            if size:
                ids += faiss.rev_swig_ptr(lists.get_ids(number), size).tolist()
        return ids

    def vectors(self) -> tuple[list[int], np.ndarray]:
        """Return every id and its vector."""
        ids = self.ids()
        if not ids:
            return [], np.zeros((0, self.dimension), dtype=np.float32)
        return ids, np.vstack([self._index.reconstruct(i) for i in ids])

    def reconstruct(self, claim_id: int) -> np.ndarray:
        """Return the stored vector of one id."""
        return self._index.reconstruct(claim_id)

    def save(self, path: str | Path) -> None:
        """Write the index atomically: a temp file, then os.replace."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        with self._lock:
            self._own()
            faiss.write_index(self._index, str(tmp))
        os.replace(tmp, target)

    @classmethod
    def load(cls, path: str | Path, mmap: bool = False) -> VectorIndex:
        """Read an index written by save(), memory-mapping its vectors if asked."""
        flags = _mmap_flags(Path(path)) if mmap else 0
        loaded = faiss.read_index(str(path), flags)
        index = cls(loaded.d)
        index._index = loaded
        # read_index owns the sub-indexes it creates; an IDMap2's flat index is reachable as is.
        index._inner = faiss.downcast_index(loaded.index) if index.exact else None
        index.mapped = bool(flags)
        return index

    def _own(self) -> None:
        """Swap mapped vectors for a private copy before a change (FAISS aborts otherwise)."""
        if not self.mapped:
            return
        if self.exact:
            ids = faiss.vector_to_array(self._index.id_map)
            inner = faiss.IndexFlatIP(self.dimension)
            private = faiss.IndexIDMap2(inner)
            if len(ids):
                private.add_with_ids(self._inner.reconstruct_n(0, len(ids)), ids)
        else:
            inner, private = self._private_ivf()
        self._inner, self._index, self.mapped = inner, private, False

    def _private_ivf(self) -> tuple[faiss.Index, faiss.IndexIVFFlat]:
        """Copy a mapped IVF index's lists into memory; the trained quantizer is reused."""
        mapped = self._index
        quantizer = faiss.clone_index(mapped.quantizer)
        private = faiss.IndexIVFFlat(
            quantizer, self.dimension, mapped.nlist, faiss.METRIC_INNER_PRODUCT
        )
        lists = mapped.invlists
        for number in range(mapped.nlist):
            size = lists.list_size(number)
            if size:
                private.invlists.add_entries(
                    number, size, lists.get_ids(number), lists.get_codes(number)
                )
        private.ntotal = mapped.ntotal
        private.set_direct_map_type(faiss.DirectMap.Hashtable)
        private.nprobe = mapped.nprobe
        return quantizer, private


def _mmap_flags(path: Path) -> int:
    """Return the read flag that maps this file's vectors: IVF lists or flat codes."""
    with path.open("rb") as handle:
        fourcc = handle.read(4)
    # IVF files start "IwFl"; an IDMap2 over a flat index starts "IxM2".
    return faiss.IO_FLAG_MMAP if fourcc.startswith(b"Iw") else faiss.IO_FLAG_MMAP_IFC


def ivf_lists(count: int) -> int:
    """Return the number of IVF lists for a collection: about 4·√n, each trainable on 39+."""
    return max(1, min(int(4 * math.sqrt(count)), count // 39))


def recall_at_k(
    index: VectorIndex, ids: list[int], matrix: np.ndarray, k: int = 10, queries: int = 200
) -> float:
    """Measure an index's recall@k against exact search, on perturbed stored vectors."""
    rng = np.random.default_rng(0)
    rows = rng.choice(len(ids), size=min(queries, len(ids)), replace=False)
    # Stored vectors plus noise look like new claims on known topics, not exact copies.
    probes = matrix[rows] + rng.normal(scale=0.05, size=(len(rows), matrix.shape[1]))
    probes = (probes / np.linalg.norm(probes, axis=1, keepdims=True)).astype(np.float32)
    id_array = np.asarray(ids)
    found = 0
    for start in range(0, len(probes), 20):
        chunk = probes[start : start + 20]
        scores = chunk @ matrix.T
        exact = (
            np.argpartition(-scores, k, axis=1)[:, :k]
            if k < len(ids)
            else np.tile(np.arange(len(ids)), (len(chunk), 1))
        )
        for truth, hits in zip(exact, index.search(chunk, k), strict=True):
            found += len(set(id_array[truth].tolist()) & {i for i, _ in hits})
    return round(found / (len(probes) * min(k, len(ids))), 4)


@dataclass(frozen=True)
class DenseBuild:
    """A freshly built dense index and its recall@10 against exact search."""

    index: VectorIndex
    recall: float


def build_dense(ids: list[int], matrix: np.ndarray, *, exact_limit: int, nprobe: int) -> DenseBuild:
    """Build exact search up to `exact_limit` vectors, else IVF trained on them.

    The app's rebuilds and the benchmark both build through here, so the figures measured
    describe the index users get: its kind, its lists, its training sample and its recall.
    """
    if len(ids) <= exact_limit:
        index = VectorIndex(matrix.shape[1])
        index.add(ids, matrix)
        return DenseBuild(index, 1.0)
    lists = ivf_lists(len(ids))
    # A fixed seed: rebuilding the same claims trains the same lists.
    rng = np.random.default_rng(0)
    sample = matrix[rng.choice(len(ids), size=min(len(ids), lists * 64), replace=False)]
    index = VectorIndex.ivf(sample, lists, nprobe)
    index.add(ids, matrix)
    return DenseBuild(index, recall_at_k(index, ids, matrix))


class TieredIndex:
    """A snapshot's index, memory-mapped and never written to, plus the changes applied since.

    Vectors added since the snapshot live in a small exact `delta`; snapshot ids removed or
    replaced since are `hidden` and skipped by searches. The mapped base is shared by every
    process on the machine and never copied.
    """

    def __init__(
        self,
        base: VectorIndex,
        delta: VectorIndex | None = None,
        hidden: Iterable[int] = (),
    ) -> None:
        self.base = base
        self.delta = delta if delta is not None else VectorIndex(base.dimension)
        self.hidden = set(hidden)
        self.recent = set(self.delta.ids())
        self._base_ids: np.ndarray | None = None
        self._skip: faiss.IDSelector | None = None
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.base) - len(self.hidden) + len(self.delta)

    @property
    def dimension(self) -> int:
        """Return the vector dimension."""
        return self.base.dimension

    @property
    def kind(self) -> str:
        """Describe the base index's search."""
        return self.base.kind

    @property
    def exact(self) -> bool:
        """Tell whether searches are exhaustive."""
        return self.base.exact

    @property
    def mapped(self) -> bool:
        """Tell whether the base vectors are memory-mapped."""
        return self.base.mapped

    def set_nprobe(self, nprobe: int) -> None:
        """Set how many IVF lists a base search visits."""
        self.base.set_nprobe(nprobe)

    def _in_base(self, ids: np.ndarray) -> np.ndarray:
        """Return those of `ids` the base holds and has not hidden."""
        if self._base_ids is None:
            self._base_ids = np.sort(np.asarray(self.base.ids(), dtype=np.int64))
        found = ids[np.isin(ids, self._base_ids)]
        return found[~np.isin(found, np.fromiter(self.hidden, dtype=np.int64))]

    def _hide(self, ids: np.ndarray) -> int:
        """Hide base ids; return how many were visible."""
        visible = self._in_base(ids)
        if len(visible):
            self.hidden.update(visible.tolist())
            self._skip = None
        return len(visible)

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        """Add vectors under ids, replacing any present; the base itself is left alone."""
        with self._lock:
            self._hide(np.asarray(ids, dtype=np.int64))
            self.delta.add(ids, vectors)
            self.recent.update(ids)

    def remove(self, ids: list[int]) -> int:
        """Remove the given ids and return how many were present."""
        with self._lock:
            gone = self.delta.remove(ids) + self._hide(np.asarray(ids, dtype=np.int64))
            self.recent.difference_update(ids)
            return gone

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """Return, for each query vector, up to k (id, cosine) pairs, best first."""
        with self._lock:
            if self.hidden and self._skip is None:
                hidden = np.fromiter(self.hidden, dtype=np.int64)
                self._skip = faiss.IDSelectorNot(faiss.IDSelectorBatch(hidden))
            skip = self._skip if self.hidden else None
        found = self.base.search(vectors, k, skip)
        recent = self.delta.search(vectors, k)
        # Ties by id, so the order never depends on which tier holds a vector.
        return [
            sorted(a + b, key=lambda hit: (-hit[1], hit[0]))[:k]
            for a, b in zip(found, recent, strict=True)
        ]

    def reconstruct(self, claim_id: int) -> np.ndarray:
        """Return the stored vector of one id."""
        if claim_id in self.recent:
            return self.delta.reconstruct(claim_id)
        return self.base.reconstruct(claim_id)

    def ids(self) -> list[int]:
        """Return every id held."""
        return [i for i in self.base.ids() if i not in self.hidden] + self.delta.ids()

    def vectors(self) -> tuple[list[int], np.ndarray]:
        """Return every id and its vector."""
        ids = self.ids()
        if not ids:
            return [], np.zeros((0, self.dimension), dtype=np.float32)
        return ids, np.vstack([self.reconstruct(i) for i in ids])
