"""Benchmarks through the app's own code path: storing a collection, then searching it."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from scipy.stats import spearmanr
from sqlmodel import Session

from claims.errors import InvalidInput
from claims.models import Article, Claim, Source
from claims.schemas import ClaimFilters
from claims.search.changes import log_changes
from claims.search.embedder import Embedder
from claims.search.index import ClaimIndex
from claims.search.metrics import RetrievalScores, score_runs
from claims.services.articles import learned_checkworthiness, new_claims
from claims.services.links import search_claims
from claims.text.checkworthiness import score
from claims.text.cleaning import matching_text
from claims.text.cwmodel import CheckworthinessModel
from claims.text.language import detect_language
from claims.text.normalise import normalise
from claims.text.pipeline import ClaimDraft, body_hash

BATCH = 256
# Without learned weights, a claim is check-worthy past the heuristic's logistic midpoint.
HEURISTIC_THRESHOLD = 0.5


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
    index.catch_up(session)
    # Searched as `claims import` leaves an instance: from a snapshot, BM25 in tantivy.
    index.write_snapshot()
    return mapping


def _store_batch(
    session: Session, embedder: Embedder, source_id: int, batch: list[Document]
) -> list[Claim]:
    """Store one batch of documents and their vectors."""
    texts = [normalise(d.text) or d.doc_id for d in batch]
    match_texts = [matching_text(text, d.title) for d, text in zip(batch, texts, strict=True)]
    vectors = embedder.encode(match_texts)
    claims = []
    for doc, text, vector, match_text in zip(batch, texts, vectors, match_texts, strict=True):
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
        claims += new_claims(article, [draft], vector.reshape(1, -1), embedder.name, [match_text])
    session.add_all(claims)
    session.flush()
    log_changes(session, [claim.id for claim in claims], "add")
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
) -> tuple[RetrievalScores, list[tuple[float, bool]]]:
    """Search every query with the app's search; score the top k and label each hit."""
    runs: dict[str, list[str]] = {}
    scored: list[tuple[float, bool]] = []
    for query_id, text in queries:
        if query_id in qrels and text.strip():
            found = search_claims(session, embedder, index, text, k, ClaimFilters())
            runs[query_id] = [mapping[s.claim.id] for s in found]
            scored += [(s.score, mapping[s.claim.id] in qrels[query_id]) for s in found]
        progress(1)
    return score_runs(runs, qrels, k), scored


def relevant_pairs(queries: list[tuple[str, str]], qrels: dict[str, set[str]]) -> int:
    """Count the judged relevant pairs of the queries that were searched."""
    return sum(
        len(qrels[query_id]) for query_id, text in queries if query_id in qrels and text.strip()
    )


@dataclass(frozen=True, slots=True)
class SimilarityScores:
    """How well the app's match score orders sentence pairs scored by people."""

    spearman: float
    pairs: int


def read_similarity(path: Path) -> list[tuple[str, str, float]]:
    """Read an STS file (`sentence1 sentence2 score`, header skipped)."""
    pairs = []
    for number, (left, right, value) in enumerate(read_tsv(path, 3), start=2):
        try:
            pairs.append((left, right, float(value)))
        except ValueError:
            raise InvalidInput(
                f"{path}, line {number}: the score {value!r} is not a number."
            ) from None
    return pairs


def evaluate_similarity(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    pairs: list[tuple[str, str, float]],
    progress: Callable[[int], None] = lambda n: None,
) -> SimilarityScores:
    """Store each second sentence as a claim, then score the first against it."""
    documents = [Document(str(n), right, "") for n, (_, right, _) in enumerate(pairs)]
    mapping = store_collection(session, embedder, index, documents, progress)
    claim_of = {doc_id: claim_id for claim_id, doc_id in mapping.items()}
    texts = [matching_text(left) for left, _, _ in pairs]
    ours = []
    for start in range(0, len(pairs), BATCH):
        vectors = embedder.encode(texts[start : start + BATCH])
        for offset, vector in enumerate(vectors):
            n = start + offset
            match = index.score(vector, texts[n], detect_language(texts[n]), claim_of[str(n)])
            ours.append(match.score)
    rho = spearmanr(ours, [gold for _, _, gold in pairs]).statistic
    return SimilarityScores(round(float(rho), 4), len(pairs))


def score_sentences(
    embedder: Embedder,
    model: CheckworthinessModel | None,
    texts: list[str],
    progress: Callable[[int], None] = lambda n: None,
) -> tuple[list[float], float]:
    """Score sentences as imports do; return the scores and the threshold for a Yes."""
    scores: list[float] = []
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        vectors = embedder.encode([matching_text(text) for text in batch])
        for text, vector in zip(batch, vectors, strict=True):
            language = detect_language(text)
            draft = ClaimDraft(0, 0, len(text), text, score(text, language), None)
            (rescored,) = learned_checkworthiness(model, vector.reshape(1, -1), [draft], language)
            scores.append(rescored.checkworthiness)
        progress(len(batch))
    return scores, model.threshold if model is not None else HEURISTIC_THRESHOLD
