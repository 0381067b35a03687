"""The claim index: FAISS vectors plus BM25 postings, a projection of the search change log.

Invariants: the database is the truth and the index a cache of it. A process's index is a
snapshot (files tagged with the last change they hold) plus the changes after it, applied in
order; catching up reads the log outside any lock, so no lock is ever held across a database
call. One process at a time writes a new snapshot, and readers switch to it atomically.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, select

from claims.config import DENSE_WEIGHT, EXACT_LIMIT, NPROBE
from claims.models import HIDDEN_STATUSES, Claim
from claims.search.changes import changes_after, last_change
from claims.search.fusion import Match, fuse
from claims.search.lexical import LexicalIndex, LexicalScores
from claims.search.vectors import TieredIndex, VectorIndex, build_dense

log = logging.getLogger(__name__)

# Changes read and applied per step of a catch-up.
CATCH_UP_BATCH = 5_000
# The file naming the current snapshot folder; written aside and swapped in with os.replace.
CURRENT = "CURRENT"


def indexable(claim: Claim) -> bool:
    """Return True if a claim belongs in the match index (not set aside by a reviewer)."""
    return claim.status not in HIDDEN_STATUSES


def vector_of(claim: Claim) -> np.ndarray:
    """Return a claim's stored embedding as a float32 vector."""
    return np.frombuffer(claim.embedding, dtype=np.float32)


class ClaimIndex:
    """Dense and lexical indexes over every claim embedded with one model."""

    def __init__(
        self,
        path: str | Path,
        model: str,
        dense_weight: float = DENSE_WEIGHT,
        exact_limit: int = EXACT_LIMIT,
        nprobe: int = NPROBE,
        mmap: bool = True,
    ) -> None:
        # The folder holding this machine's snapshots: every process here shares it.
        self.path = Path(path)
        self.model = model
        self.dense_weight = dense_weight
        self.exact_limit = exact_limit
        self.nprobe = nprobe
        # Map the snapshot's vectors instead of reading them: worker processes share one copy.
        self.mmap = mmap
        # Recall@10 of the dense index against exact search, measured when it was built.
        self.recall = 1.0
        self.dense: TieredIndex | None = None
        self.lexical = LexicalIndex()
        # The last change of the log this process's index holds.
        self.position = 0
        # Where the snapshot this process opened stood, and how often it replayed the whole log.
        self.snapshot_position: int | None = None
        self.full_replays = 0
        self._opened = False
        # The snapshot last opened or looked at: another name in CURRENT is switched to.
        self._seen = ""
        # Set when this process must replay a non-empty log from its start (no snapshot fits).
        self._replay = False
        self._lock = threading.RLock()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = -1

    def __len__(self) -> int:
        return len(self.dense) if self.dense is not None else 0

    # --- following the log ------------------------------------------------------------------

    def ensure_fresh(self, session: Session) -> int:
        """Open the newest snapshot, then apply the log's changes after it; return how many.

        A snapshot another process wrote since is switched to, so every process holds in
        memory only what changed since the last one.
        """
        if not self._opened:
            self._open_snapshot(session)
        elif self._current_name() not in ("", self._seen):
            self._follow(session)
        return self.catch_up(session)

    def catch_up(self, session: Session) -> int:
        """Apply the changes committed since this index's position, in order; return how many.

        The log and the claims are read with no lock held; the changes are applied under the
        lock only if no other thread applied them meanwhile (then the next batch is read).
        """
        applied = 0
        while True:
            start = self.position
            changes = changes_after(session, start, CATCH_UP_BATCH)
            if not changes:
                return applied
            ids = sorted({claim_id for _, claim_id in changes})
            rows = self._current_rows(session, ids)
            with self._lock:
                if self.position != start:
                    continue
                if start == 0 and self._replay:
                    self._replay = False
                    self.full_replays += 1
                    log.warning("index: no usable snapshot in %s; replaying the log", self.path)
                self._apply(ids, rows)
                self.position = changes[-1][0]
            applied += len(changes)

    def _current_rows(self, session: Session, ids: list[int]) -> list[tuple[int, str, str, bytes]]:
        """Return (id, text, language, embedding) of those claims this index should hold now."""
        query = select(
            Claim.id,
            sa.func.coalesce(Claim.match_text, Claim.text),
            Claim.language,
            Claim.embedding,
        ).where(
            Claim.id.in_(ids),
            Claim.embedding_model == self.model,
            Claim.status.not_in(HIDDEN_STATUSES),
        )
        return [tuple(row) for row in session.exec(query.order_by(Claim.id))]

    def _apply(self, ids: list[int], rows: list[tuple[int, str, str, bytes]]) -> None:
        """Make these claims match their current rows: gone, changed or added (lock held)."""
        self.dense = _applied(self.dense, self.lexical, ids, rows)

    def _follow(self, session: Session) -> None:
        """Switch to the snapshot another process wrote, caught up on the side first.

        The changes after it are applied to the new snapshot before it replaces this one, so
        a search meanwhile never sees the index step back.
        """
        name = self._current_name()
        snapshot = self._fitting(name, last_change(session))
        if snapshot is None:
            self._seen = name  # not retried on every request
            return
        dense, position = snapshot.dense, snapshot.position
        while True:
            while changes := changes_after(session, position, CATCH_UP_BATCH):
                ids = sorted({claim_id for _, claim_id in changes})
                dense = _applied(dense, snapshot.lexical, ids, self._current_rows(session, ids))
                position = changes[-1][0]
            with self._lock:
                if position >= self.position:
                    self._use(snapshot, dense, position)
                    return

    def _build_dense(self, ids: list[int], matrix: np.ndarray) -> VectorIndex:
        """Build the dense index these settings call for, and record its recall."""
        built = build_dense(ids, matrix, exact_limit=self.exact_limit, nprobe=self.nprobe)
        self.recall = built.recall
        return built.index

    def rebuild(self, session: Session) -> int:
        """Forget this process's index and replay the whole log; return the claims it holds."""
        with self._lock:
            self.dense, self.lexical, self.position, self._opened = None, LexicalIndex(), 0, True
            self._replay = True
        self.catch_up(session)
        return len(self)

    def fill(
        self,
        ids: list[int],
        vectors: Sequence[np.ndarray] | np.ndarray,
        texts: Iterable[tuple[int, str, str]],
    ) -> None:
        """Replace both indexes with ones built from these claims; the database is untouched.

        `vectors` are the claims' embeddings in `ids` order; `texts` their (id, text, language).
        """
        with self._lock:
            self.dense = TieredIndex(self._build_dense(ids, np.vstack(vectors))) if ids else None
            self.lexical = LexicalIndex.build(texts)
            self._opened = True

    # --- snapshots --------------------------------------------------------------------------

    def _open_snapshot(self, session: Session) -> None:
        """Load the folder's current snapshot if it fits this model and database."""
        newest = last_change(session)
        with self._lock:
            if self._opened:
                return
            self._opened = True
            # Until a snapshot fits, a log that already holds changes is replayed in full.
            self._replay = newest > 0
            self._seen = self._current_name()
            snapshot = self._fitting(self._seen, newest)
            if snapshot is not None:
                self._use(snapshot, snapshot.dense, snapshot.position)
                self._replay = False

    def _fitting(self, name: str, newest: int) -> _Snapshot | None:
        """Read a snapshot if it fits this model and a log that has reached `newest`."""
        loaded = self._load(self.path / name) if name else None
        if loaded is None:
            return None
        meta, dense, lexical = loaded
        if meta.get("model") != self.model or meta.get("position", 0) > newest:
            # Another model's, or another database's (it holds changes this one never had).
            log.info("index: snapshot %s does not fit this database; replaying the log", meta)
            return None
        recall = float(meta.get("recall", 1.0))
        return _Snapshot(name, int(meta["position"]), recall, dense, lexical)

    def _use(self, snapshot: _Snapshot, dense: TieredIndex | None, position: int) -> None:
        """Hold a snapshot's indexes, caught up to `position` (lock held)."""
        self.dense, self.lexical, self.position = dense, snapshot.lexical, position
        self.recall, self.snapshot_position = snapshot.recall, snapshot.position
        self._seen = snapshot.name

    def _current_name(self) -> str:
        """Return the name of the current snapshot folder ('' when there is none)."""
        try:
            return (self.path / CURRENT).read_text().strip()
        except OSError:
            return ""

    def _load(self, folder: Path) -> tuple[dict, TieredIndex | None, LexicalIndex] | None:
        """Read a snapshot folder; None when it is missing or damaged (the log has it all)."""
        if folder == self.path:
            return None
        meta = _read_json(folder / "meta.json")
        try:
            dense = None
            if meta["count"]:
                vectors = VectorIndex.load(folder / "dense.faiss", mmap=self.mmap)
                vectors.set_nprobe(self.nprobe)
                dense = TieredIndex(vectors)
            lexical = LexicalIndex.load(folder / "lexical")
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            log.warning("index: snapshot %s unreadable (%s); replaying the log", folder, exc)
            return None
        if len(dense or ()) != meta["count"] or len(lexical) != meta["count"]:
            return None
        return meta, dense, lexical

    def write_snapshot(self) -> bool:
        """Write this index as the folder's new snapshot; False if another process is writing.

        Only files are touched, never the database: call catch_up first to include the newest
        changes. The snapshot is written aside, then named in CURRENT with one os.replace; the
        previous one is kept for processes that may be opening it right now.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with _exclusive(self.path / "snapshot.lock") as held:
            if not held:
                return False
            with self._lock:
                position, dense = self.position, self.dense
                ids, matrix = dense.vectors() if dense is not None else ([], None)
                lexical = self.lexical.frozen()
            name = f"snapshot-{position:012d}-{time.time_ns()}"
            tmp = self.path / f".{name}"
            tmp.mkdir()
            lexical.save(tmp / "lexical")
            recall = 1.0
            if ids:
                built = build_dense(ids, matrix, exact_limit=self.exact_limit, nprobe=self.nprobe)
                built.index.save(tmp / "dense.faiss")
                recall = built.recall
            meta = {"model": self.model, "position": position, "count": len(ids)}
            meta["recall"] = recall
            (tmp / "meta.json").write_text(json.dumps(meta))
            previous = self._current_name()
            tmp.rename(self.path / name)
            _write_atomically(self.path / CURRENT, name)
            self._prune({name, previous})
            self.snapshot_position = position
            self._adopt(name, position)
            log.info("index: wrote %s (%d claims, change %d)", name, len(ids), position)
            return True

    def _adopt(self, name: str, position: int) -> None:
        """Switch to the snapshot just written if nothing was applied meanwhile.

        Its memory-mapped files then replace what this process held in memory; otherwise
        the next ensure_fresh switches to it.
        """
        snapshot = self._fitting(name, position)
        with self._lock:
            if snapshot is not None and self.position == position:
                self._use(snapshot, snapshot.dense, position)

    def _prune(self, keep: set[str]) -> None:
        """Delete snapshots other than these, and the unfinished ones of killed writers.

        A process reading a deleted snapshot keeps reading it: its files are already open.
        """
        for entry in self.path.iterdir():
            if entry.name.startswith(("snapshot-", ".snapshot-")) and entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)
        # Where the numpy BM25 of earlier versions kept its segments.
        shutil.rmtree(self.path / "lexical", ignore_errors=True)

    def score(self, vector: np.ndarray, text: str, language: str, claim_id: int) -> Match:
        """Return the fused match score of a text against one indexed claim."""
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        dense = float(self.dense.reconstruct(claim_id) @ query) if self.dense else 0.0
        lexical = self.lexical.score_all(text, language, 0).of([claim_id]).get(claim_id, 0.0)
        return fuse({claim_id: dense}, {claim_id: lexical}, self.dense_weight)[0]

    def match(
        self,
        vector: np.ndarray,
        text: str,
        language: str,
        depth: int,
        scored: LexicalScores | None = None,
    ) -> list[Match]:
        """Return fused matches among the top `depth` dense and top `depth` lexical hits.

        `scored` is the text's BM25 when the caller has it already.
        """
        dense = self.dense  # one read: a reload may swap the index meanwhile
        if dense is None or len(dense) == 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        if scored is None:
            scored = self.lexical.score_all(text, language, depth)
        return self._fused(dense, query[0], dense.search(query, depth)[0], scored, depth)

    def match_many(
        self,
        vectors: np.ndarray,
        texts: list[str],
        languages: list[str],
        depth: int,
        threshold: float,
    ) -> list[list[Match]]:
        """Return, for each text, the matches `match` finds that score at least `threshold`.

        One vector search serves every text, and only candidates that can reach the threshold
        are fused: an import links thousands of claims this way.
        """
        dense = self.dense  # one read: a reload may swap the index meanwhile
        if dense is None or len(dense) == 0 or not texts:
            return [[] for _ in texts]
        queries = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        hits = dense.search(queries, depth)
        scored = self.lexical.score_many(texts, languages, depth)
        return [
            self._fused(dense, query, found, lexical, depth, threshold)
            for query, found, lexical in zip(queries, hits, scored, strict=True)
        ]

    def _fused(
        self,
        vectors: TieredIndex,
        query: np.ndarray,
        hits: list[tuple[int, float]],
        scored: LexicalScores,
        depth: int,
        threshold: float | None = None,
    ) -> list[Match]:
        """Fuse dense hits with the top `depth` lexical ones, keeping those at the threshold."""
        dense = dict(hits)
        weight = self.dense_weight
        margin = -np.inf if threshold is None else threshold - 1e-6
        ceiling = cosine_ceiling(vectors.exact, hits, depth)
        for claim_id, bm25 in scored.top(depth):
            # A lexical hit that cannot reach the threshold is not worth fetching its vector.
            if claim_id not in dense and weight * ceiling + (1 - weight) * bm25 >= margin:
                dense[claim_id] = float(vectors.reconstruct(claim_id) @ query)
        lexical = scored.of(dense)
        if threshold is None:
            return fuse(dense, lexical, weight)
        # A cheap unrounded bound first; fuse() then scores the few left exactly as match() does.
        dense = {
            claim_id: cosine
            for claim_id, cosine in dense.items()
            if weight * max(0.0, cosine) + (1 - weight) * lexical.get(claim_id, 0.0) >= margin
        }
        lexical = {claim_id: lexical[claim_id] for claim_id in dense if claim_id in lexical}
        return [m for m in fuse(dense, lexical, weight) if m.score >= threshold]

    def match_text(
        self, text: str, language: str, depth: int, encode: Callable[[str], np.ndarray]
    ) -> list[Match]:
        """Embed a text and match it, scoring its BM25 on a helper thread meanwhile.

        On an idle core this hides BM25 behind the embedding (about 10 ms each at 10^6 claims);
        on busy ones it costs nothing more than scoring one after the other.
        """
        lexical = self.lexical
        scoring = self._helper().submit(lexical.score_all, text, language, depth)
        try:
            vector = encode(text)
        finally:
            scored = scoring.result()
        return self.match(vector, text, language, depth, scored)

    def _helper(self) -> ThreadPoolExecutor:
        """Return this process's helper thread (a forked child starts its own)."""
        with self._lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="claims-bm25")
                self._pool_pid = os.getpid()
            return self._pool


@dataclass(frozen=True)
class _Snapshot:
    """A snapshot read from its folder: where it stands in the log, and its indexes."""

    name: str
    position: int
    recall: float
    dense: TieredIndex | None
    lexical: LexicalIndex


def _applied(
    dense: TieredIndex | None,
    lexical: LexicalIndex,
    ids: list[int],
    rows: list[tuple[int, str, str, bytes]],
) -> TieredIndex | None:
    """Make these claims match their current rows in both indexes; return the dense one.

    No switch to IVF here, even past `exact_limit`: training takes tens of seconds at 10^5
    and would stall a request. The next snapshot is built as IVF, and processes open it.
    """
    if dense is not None:
        dense.remove(ids)
    lexical.remove_many(ids)
    if not rows:
        return dense
    vectors = np.vstack([np.frombuffer(row[3], dtype=np.float32) for row in rows])
    if dense is None:
        dense = TieredIndex(VectorIndex(vectors.shape[1]))
    dense.add([row[0] for row in rows], vectors)
    lexical.add_many((claim_id, text, language) for claim_id, text, language, _ in rows)
    return dense


def cosine_ceiling(exact: bool, hits: list[tuple[int, float]], depth: int) -> float:
    """Return the highest cosine a claim outside these top `depth` dense hits can have.

    Only exhaustive search bounds it, by the last hit (with room for rounding); IVF may miss
    closer vectors, and fewer hits than asked for bound nothing.
    """
    if exact and len(hits) >= depth > 0:
        return max(0.0, hits[-1][1]) + 1e-5
    return 1.0


@contextmanager
def _exclusive(path: Path) -> Iterator[bool]:
    """Hold an exclusive lock on a file if no other process does; yield whether we got it."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    """Replace a small file's content in one step: readers see the old or the new, whole."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict:
    """Return a JSON object from a file, or an empty dict when it is missing or damaged."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
