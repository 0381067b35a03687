"""The claim index: FAISS vectors plus BM25 postings, a cache derived from the database.

Invariants: it is written only after the claims' transaction commits; IndexState in the
database says what it should hold, and any disagreement (model, count, version) rebuilds it
from the stored vectors, never by re-embedding.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, select

from claims.config import DENSE_WEIGHT, EXACT_LIMIT, NPROBE
from claims.models import HIDDEN_STATUSES, Claim, IndexState, utcnow
from claims.search.fusion import Match, fuse
from claims.search.lexical import LexicalIndex, LexicalScores, prune
from claims.search.vectors import TieredIndex, VectorIndex, build_dense

STATE_ID = 1


def indexable(claim: Claim) -> bool:
    """Tell whether a claim belongs in the index."""
    return claim.status not in HIDDEN_STATUSES


def vector_of(claim: Claim) -> np.ndarray:
    """Return a claim's stored embedding as a float32 vector."""
    return np.frombuffer(claim.embedding or b"", dtype=np.float32)


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
        self.path = Path(path)
        self.model = model
        self.dense_weight = dense_weight
        self.exact_limit = exact_limit
        self.nprobe = nprobe
        # Map the saved vectors instead of reading them: worker processes share one copy.
        self.mmap = mmap
        # Recall@10 of the dense index against exact search, measured when it was built.
        self.recall = 1.0
        self.dense: TieredIndex | None = None
        self.lexical = LexicalIndex()
        self.version = -1
        self._verified = False
        self._lock = threading.RLock()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = -1

    @property
    def meta_path(self) -> Path:
        """Return the sidecar file recording what the saved index holds."""
        return self.path.with_suffix(".json")

    @property
    def delta_path(self) -> Path:
        """Return the folder holding the vectors changed since the index file was written."""
        return self.path.with_suffix(".delta")

    @property
    def lexical_path(self) -> Path:
        """Return the folder holding the saved BM25 segments."""
        return self.path.with_suffix(".lexical")

    def __len__(self) -> int:
        return len(self.dense) if self.dense is not None else 0

    def _state(self, session: Session) -> IndexState | None:
        """Return the database's record of the index, if any."""
        return session.get(IndexState, STATE_ID, populate_existing=True)

    def ensure_fresh(self, session: Session) -> None:
        """Make this process's copy match the database: reuse, reload from disk or rebuild."""
        state = self._state(session)
        with self._lock:
            if self._verified and state is not None and state.version == self.version:
                return
            if (
                not self._verified
                and not self._state_matches_db(session, state)
                or not self._load_saved(session, state)
            ):
                self.rebuild(session)
            self._verified = True

    def _state_matches_db(self, session: Session, state: IndexState | None) -> bool:
        """Check, once per process, that IndexState counts what the database holds."""
        if state is None or state.model != self.model:
            return False
        return state.count == self._stored_count(session)

    def _stored_count(self, session: Session) -> int:
        """Count the claims the index should hold: this model's, not set aside."""
        query = (
            select(sa.func.count())
            .select_from(Claim)
            .where(Claim.embedding_model == self.model, Claim.status.not_in(HIDDEN_STATUSES))
        )
        return int(session.exec(query).one())

    def _load_saved(self, session: Session, state: IndexState | None) -> bool:
        """Load the saved index when its sidecar matches IndexState; return success."""
        if state is None or not self.path.exists() or not self.meta_path.exists():
            return False
        try:
            meta = json.loads(self.meta_path.read_text())
            dense = TieredIndex.load(self.path, self.delta_path, meta.get("dense"), self.mmap)
        except (OSError, ValueError, RuntimeError):
            return False
        expected = {"model": state.model, "version": state.version, "count": state.count}
        recorded = {key: meta.get(key) for key in expected}
        if recorded != expected or len(dense) != state.count or state.model != self.model:
            return False
        dense.set_nprobe(self.nprobe)
        self.dense, self.recall = dense, float(meta.get("recall", 1.0))
        self.lexical = self._load_lexical(session, meta.get("lexical"), state.count)
        self.version = state.version
        return True

    def _load_lexical(self, session: Session, manifest: dict | None, count: int) -> LexicalIndex:
        """Open the saved BM25 segments, or rebuild them from the database if they don't fit."""
        if manifest is not None:
            try:
                lexical = LexicalIndex.load(self.lexical_path, manifest, mmap=self.mmap)
            except (OSError, ValueError):
                lexical = None
            if lexical is not None and len(lexical) == count:
                return lexical
        return LexicalIndex.build(
            (claim_id, text, language)
            for claim_id, text, language, _ in self._embedded_claims(session)
        )

    def _embedded_claims(self, session: Session):
        """Yield (id, text, language, embedding) of claims embedded with this model."""
        query = (
            select(
                Claim.id,
                sa.func.coalesce(Claim.match_text, Claim.text),
                Claim.language,
                Claim.embedding,
            )
            .where(Claim.embedding_model == self.model, Claim.status.not_in(HIDDEN_STATUSES))
            .order_by(Claim.id)
        )
        yield from session.exec(query).yield_per(5000)

    def rebuild(self, session: Session) -> int:
        """Rebuild both indexes from the stored vectors and record the new state."""
        with self._lock:
            ids, vectors, texts = [], [], []
            for claim_id, text, language, embedding in self._embedded_claims(session):
                ids.append(claim_id)
                vectors.append(np.frombuffer(embedding, dtype=np.float32))
                texts.append((claim_id, text, language))
            self.fill(ids, vectors, texts)
            self._bump_state(session)
            self.save()
            return len(ids)

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

    def _build_dense(self, ids: list[int], matrix: np.ndarray) -> VectorIndex:
        """Build the dense index these settings call for, and record its recall."""
        built = build_dense(ids, matrix, exact_limit=self.exact_limit, nprobe=self.nprobe)
        self.recall = built.recall
        return built.index

    def _grow(self) -> None:
        """Switch from exact search to IVF once the collection outgrows `exact_limit`."""
        if self.dense is not None and self.dense.exact and len(self.dense) > self.exact_limit:
            self.dense = TieredIndex(self._build_dense(*self.dense.vectors()))

    def _bump_state(self, session: Session) -> None:
        """Record that the index moved on: new version, current count and model."""
        state = self._state(session) or IndexState(id=STATE_ID, model=self.model, dimension=0)
        state.model = self.model
        state.dimension = self.dense.dimension if self.dense else 0
        state.count = len(self)
        state.version += 1
        state.updated_at = utcnow()
        session.add(state)
        session.commit()
        self.version = state.version

    def add(self, session: Session, claims: list[Claim], save: bool = True) -> None:
        """Add committed claims to both indexes and record the new state."""
        claims = [
            c for c in claims if c.embedding and c.embedding_model == self.model and indexable(c)
        ]
        if not claims:
            return
        with self._lock:
            if self.dense is None:
                self.dense = TieredIndex(VectorIndex(len(vector_of(claims[0]))))
            ids = [c.id for c in claims]
            self.dense.add(ids, np.vstack([vector_of(c) for c in claims]))
            for claim in claims:
                self.lexical.add(claim.id, claim.match_text or claim.text, claim.language)
            self._grow()
            self._bump_state(session)
            if save:
                self.save()

    def remove(self, session: Session, claim_ids: list[int], save: bool = True) -> None:
        """Drop committed claims from both indexes and record the new state."""
        if not claim_ids or self.dense is None:
            return
        with self._lock:
            self.dense.remove(claim_ids)
            for claim_id in claim_ids:
                self.lexical.remove(claim_id)
            self._bump_state(session)
            if save:
                self.save()

    def save(self) -> None:
        """Write the vectors and their sidecar, each atomically."""
        with self._lock:
            if self.dense is None:
                return
            meta = {
                "model": self.model,
                "version": self.version,
                "count": len(self),
                "kind": self.dense.kind,
                "recall": self.recall,
                "dense": self.dense.save(self.path, self.delta_path),
                "lexical": self.lexical.save(self.lexical_path),
            }
            previous = self._saved_meta()
            tmp = self.meta_path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(meta))
            os.replace(tmp, self.meta_path)
            # Keep the previous generation too: another process may be opening it right now.
            for key, folder in (("dense", self.delta_path), ("lexical", self.lexical_path)):
                prune(folder, _files(meta[key]) | _files(previous.get(key)))

    def _saved_meta(self) -> dict:
        """Return the sidecar on disk, or an empty dict when there is none to read."""
        try:
            meta = json.loads(self.meta_path.read_text())
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def score(self, vector: np.ndarray, text: str, language: str, claim_id: int) -> Match:
        """Return the fused match score of a text against one indexed claim."""
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        dense = float(self.dense.reconstruct(claim_id) @ query) if self.dense else 0.0
        lexical = self.lexical.score_all(text, language).of([claim_id]).get(claim_id, 0.0)
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
            scored = self.lexical.score_all(text, language)
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
        scored = self.lexical.score_many(texts, languages)
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
        scoring = self._helper().submit(lexical.score_all, text, language)
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


def cosine_ceiling(exact: bool, hits: list[tuple[int, float]], depth: int) -> float:
    """Return the highest cosine a claim outside these top `depth` dense hits can have.

    Only exhaustive search bounds it, by the last hit (with room for rounding); IVF may miss
    closer vectors, and fewer hits than asked for bound nothing.
    """
    if exact and len(hits) >= depth > 0:
        return max(0.0, hits[-1][1]) + 1e-5
    return 1.0


def _files(manifest: object) -> set[str]:
    """Return the file names a saved manifest refers to."""
    if not isinstance(manifest, dict):
        return set()
    names: set[str] = set()
    for value in manifest.values():
        names.update(
            v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)
        )
    return names
