"""Benchmarks through the app's own code path: storing a collection, then searching it."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from claims.embedder import Embedder
from claims.errors import InvalidInput
from claims.index import ClaimIndex
from claims.metrics import RetrievalScores, score_runs
from claims.models import Article, Claim, Source
from claims.pipeline import ClaimDraft, body_hash
from claims.schemas import ClaimFilters
from claims.services.articles import new_claims
from claims.services.links import search_claims
from claims.text import detect_language, normalise

BATCH = 256


@dataclass(frozen=True, slots=True)
class Document:
    """One collection entry: an already fact-checked claim and its headline."""

    doc_id: str
    text: str
    title: str


def read_tsv(path: Path, columns: int) -> Iterator[list[str]]:
    """Yield the rows of a benchmark TSV (header skipped), padded to `columns` fields."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(rows, None)
            for row in rows:
                if row:
                    yield (row + [""] * columns)[:columns]
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from None


def read_qrels(path: Path) -> dict[str, set[str]]:
    """Read TREC qrels (`query 0 doc relevance`), keeping the relevant pairs."""
    qrels: dict[str, set[str]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from None
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise InvalidInput(f"{path}, line {number}: expected 4 fields, found {len(parts)}.")
        if parts[3] != "0":
            qrels.setdefault(parts[0], set()).add(parts[2])
    return qrels


def store_collection(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    documents: list[Document],
    progress: Callable[[int], None] = lambda n: None,
) -> dict[int, str]:
    """Store each document as an article with one claim; return claim id -> document id."""
    source = Source(name="benchmark collection")
    session.add(source)
    session.flush()
    mapping: dict[int, str] = {}
    for start in range(0, len(documents), BATCH):
        batch = documents[start : start + BATCH]
        claims = _store_batch(session, embedder, source.id, batch)
        mapping.update({c.id: d.doc_id for c, d in zip(claims, batch, strict=True)})
        progress(len(batch))
    index.rebuild(session)
    return mapping


def _store_batch(
    session: Session, embedder: Embedder, source_id: int, batch: list[Document]
) -> list[Claim]:
    """Store one batch of documents and their vectors."""
    texts = [normalise(d.text) or d.doc_id for d in batch]
    vectors = embedder.encode(texts)
    claims = []
    for doc, text, vector in zip(batch, texts, vectors, strict=True):
        article = Article(
            source_id=source_id,
            title=doc.title or text[:200],
            language=detect_language(text),
            body=text,
            body_sha256=body_hash(f"{doc.doc_id}\n{text}"),
        )
        session.add(article)
        session.flush()
        # The whole entry is one claim: fact-check headlines are often questions.
        draft = ClaimDraft(0, 0, len(text), text, checkworthiness=1.0, speaker=None)
        claims += new_claims(article, [draft], vector.reshape(1, -1), embedder.name)
    session.add_all(claims)
    session.commit()
    return claims


def evaluate_retrieval(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    queries: list[tuple[str, str]],
    mapping: dict[int, str],
    qrels: dict[str, set[str]],
    k: int = 5,
    progress: Callable[[int], None] = lambda n: None,
) -> RetrievalScores:
    """Search every query with the app's search and score the top k."""
    runs: dict[str, list[str]] = {}
    for query_id, text in queries:
        if query_id in qrels and text.strip():
            found = search_claims(session, embedder, index, text, k, ClaimFilters())
            runs[query_id] = [mapping[s.claim.id] for s in found]
        progress(1)
    return score_runs(runs, qrels, k)
