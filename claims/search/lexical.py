"""BM25 over claim texts, with accent folding, stop words and stemming.

The claims of a snapshot live in a tantivy index (segments on disk, memory-mapped, shared by
every process that opens the snapshot); the claims added or changed since are held in memory
until the next snapshot. Texts are tokenised here, by the app's own rules, so both halves
index the same terms, and tantivy sees them through a whitespace tokenizer.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import Stemmer
import tantivy

from claims.text.lexicon import BM25_STOPWORDS, LANGUAGE_NAMES, fold, language_code

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
K1, B = 1.2, 0.75
# Memory for tantivy's indexing buffer when a snapshot is written (its minimum is 15 MB).
WRITER_HEAP = 64_000_000
# Files tantivy keeps for its own locking: a new snapshot makes its own.
_LOCK_FILES = (".tantivy-meta.lock", ".tantivy-writer.lock")


@lru_cache(maxsize=16)
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    """Return the Snowball stemmer for a language code, or None when there is none."""
    name = LANGUAGE_NAMES.get(language_code(language))
    return Stemmer.Stemmer(name) if name else None


def tokenize(text: str, language: str) -> list[str]:
    """Turn text into folded, stemmed terms without stop words."""
    words = [w for w in _WORD.findall(fold(text)) if w not in BM25_STOPWORDS]
    stemmer = _stemmer(language)
    return stemmer.stemWords(words) if stemmer else words


def _schema() -> tantivy.Schema:
    """Return the schema: the claim id, and its terms counted (no positions: BM25 needs none)."""
    builder = tantivy.SchemaBuilder()
    # A signed integer: tantivy 0.27 silently deletes nothing by term on an unsigned field.
    builder.add_integer_field("id", stored=False, indexed=True, fast=True)
    builder.add_text_field("terms", tokenizer_name="whitespace", index_option="freq")
    return builder.build()


SCHEMA = _schema()


def idf(count: int, df: int) -> float:
    """Return BM25's idf of a term held by df of count documents (tantivy's formula)."""
    return math.log(1 + (count - df + 0.5) / (df + 0.5))


def saturation(tf: float, length: float, avg_length: float) -> float:
    """Return BM25's saturated term frequency."""
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg_length))


class _Base:
    """A snapshot's claims in a tantivy index, opened read-only and never reloaded."""

    def __init__(self, index: tantivy.Index, path: Path | None) -> None:
        self.index, self.path = index, path
        index.config_reader(reload_policy="Manual")
        self.searcher = index.searcher()
        self.count = self.searcher.num_docs
        self._stats: tuple[float, float] | None = None

    @classmethod
    def open(cls, folder: Path) -> _Base:
        """Open a saved index; ValueError when the folder holds none."""
        if not tantivy.Index.exists(str(folder)):
            raise ValueError(f"no BM25 index in {folder}")
        return cls(tantivy.Index.open(str(folder)), folder)

    @classmethod
    def build(cls, documents: Iterable[tuple[int, Counter[str]]], folder: Path | None) -> _Base:
        """Index documents into a new index, on disk in `folder` or else in memory."""
        if folder is not None:
            folder.mkdir(parents=True)
        index = tantivy.Index(SCHEMA, path=str(folder) if folder else None)
        _write(index, (), documents)
        return cls(index, folder)

    def _query(self, terms: Counter[str]) -> tantivy.Query:
        """Return a disjunction of the terms, each weighted by how often the query has it."""
        clauses = []
        for term, qtf in terms.items():
            query = tantivy.Query.term_query(SCHEMA, "terms", term, index_option="freq")
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(query, float(qtf))))
        return tantivy.Query.boolean_query(clauses)

    def search(self, terms: Counter[str], limit: int) -> list[tuple[int, float]]:
        """Return up to `limit` (id, raw BM25) of the best-scoring documents."""
        if not self.count or limit <= 0:
            return []
        query = self._query(terms)
        found = self.searcher.search(query, limit, count=False).hits
        if found and self._stats is None:
            self._stats = _statistics(query.explain(self.searcher, found[0][1]).to_json())
        return self._ids(found)

    def search_ids(self, terms: Counter[str], ids: list[int]) -> list[tuple[int, float]]:
        """Return (id, raw BM25) of those of these documents that match the terms."""
        if not self.count or not ids:
            return []
        wanted = tantivy.Query.term_set_query(SCHEMA, "id", ids)
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, tantivy.Query.const_score_query(wanted, 0.0)),
                (tantivy.Occur.Must, self._query(terms)),
            ]
        )
        return self._ids(self.searcher.search(query, len(ids), count=False).hits)

    def holding(self, ids: list[int]) -> list[int]:
        """Return which of these ids the index holds."""
        if not self.count or not ids:
            return []
        query = tantivy.Query.term_set_query(SCHEMA, "id", ids)
        hits = self.searcher.search(query, len(ids), count=False).hits
        return [doc_id for doc_id, _ in self._ids(hits)]

    def _ids(self, hits: list[tuple[float, tantivy.DocAddress]]) -> list[tuple[int, float]]:
        """Turn tantivy's (score, address) hits into (claim id, score)."""
        ids = self.searcher.fast_field_values("id", [address for _, address in hits])
        return [(int(doc_id), float(score)) for (score, _), doc_id in zip(hits, ids, strict=True)]

    def doc_freq(self, term: str) -> int:
        """Return how many documents hold a term."""
        return self.searcher.doc_freq("terms", term) if self.count else 0

    def statistics(self) -> tuple[float, float]:
        """Return the document count and average length tantivy scores with.

        tantivy 0.27's Python API shows them only in a score's explanation: the first search
        with a hit records them, or else one probe with the commonest term does.
        """
        if self._stats is None and self.count:
            [(term, _)] = self.searcher.terms_with_prefix("terms", "", limit=1)
            query = tantivy.Query.term_query(SCHEMA, "terms", term, index_option="freq")
            hits = self.searcher.search(query, 1, count=False).hits
            if hits:
                self._stats = _statistics(query.explain(self.searcher, hits[0][1]).to_json())
        return self._stats or (float(self.count), 1.0)

    def save_as(self, folder: Path, removed: set[int], added: dict[int, Counter[str]]) -> None:
        """Write this index with some documents removed and others added as a new one.

        The segment files never change once written, so the new index links to them instead
        of copying: a snapshot of a million claims costs what changed, not a million claims.
        """
        if self.path is None:
            raise ValueError("an index built in memory cannot be saved")
        folder.mkdir(parents=True)
        for entry in self.path.iterdir():
            if entry.name in _LOCK_FILES:
                continue
            if entry.name.endswith(".json"):
                shutil.copy2(entry, folder / entry.name)  # rewritten by the writer below
            else:
                os.link(entry, folder / entry.name)
        _write(tantivy.Index.open(str(folder)), removed, added.items())


def _write(
    index: tantivy.Index, removed: Iterable[int], added: Iterable[tuple[int, Counter[str]]]
) -> None:
    """Delete and add documents in one commit, then let merges finish."""
    writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
    for doc_id in removed:
        writer.delete_documents_by_term("id", doc_id)
    for doc_id, counts in added:
        document = tantivy.Document()
        document.add_integer("id", doc_id)
        document.add_text("terms", " ".join(counts.elements()))
        writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()


def _statistics(explanation: str) -> tuple[float, float] | None:
    """Read the document count and average length out of a BM25 explanation."""
    found: dict[str, float] = {}
    pending = [json.loads(explanation)]
    while pending:
        node = pending.pop()
        description = node.get("description", "")
        if description.startswith("N,"):
            found["N"] = node["value"]
        elif description.startswith("avgdl"):
            found["avgdl"] = node["value"]
        pending.extend(node.get("details", []))
    if "N" not in found or "avgdl" not in found:
        return None
    return found["N"], found["avgdl"] or 1.0


@dataclass(frozen=True, slots=True)
class Frozen:
    """The documents of a LexicalIndex at one moment: its base, less `hidden`, plus `recent`."""

    base: _Base | None
    hidden: frozenset[int]
    recent: dict[int, Counter[str]]

    def save(self, folder: Path) -> None:
        """Write these documents as a new index in `folder`, which must not exist yet."""
        if self.base is None:
            _Base.build(self.recent.items(), folder)
        else:
            self.base.save_as(folder, set(self.hidden), self.recent)


@dataclass(frozen=True, slots=True)
class LexicalScores:
    """One query's BM25 scores scaled into [0, 1]: its best matches, and any claim's on request.

    `hits` holds every match when `complete`, else the best ones; `more` scores other ids.
    """

    hits: dict[int, float]
    complete: bool = True
    more: Callable[[list[int]], dict[int, float]] | None = None

    def top(self, k: int) -> list[tuple[int, float]]:
        """Return up to k (id, score) pairs, best first, ties by id."""
        return sorted(self.hits.items(), key=lambda hit: (-hit[1], hit[0]))[: max(k, 0)]

    def of(self, wanted: Iterable[int]) -> dict[int, float]:
        """Return the scores of these ids (those that match at all)."""
        wanted = list(wanted)
        found = {i: self.hits[i] for i in wanted if i in self.hits}
        missing = [i for i in wanted if i not in self.hits]
        if missing and not self.complete and self.more is not None:
            found |= self.more(missing)
        return found

    def as_dict(self) -> dict[int, float]:
        """Return every matching id with its score."""
        if not self.complete:
            raise ValueError("these scores hold only the best matches")
        return dict(self.hits)


_NOTHING = LexicalScores({})


class LexicalIndex:
    """BM25 (Okapi) over documents keyed by claim id; safe for concurrent reads.

    A document is alive in exactly one place: the base (a snapshot's tantivy index) unless
    its id is in `hidden`, or the recent additions held in memory.
    """

    def __init__(self, base: _Base | None = None) -> None:
        self._base = base
        self._hidden: set[int] = set()
        self._recent: dict[int, Counter[str]] = {}
        self._postings: dict[str, dict[int, int]] = {}
        self._recent_length = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        base = self._base.count - len(self._hidden) if self._base else 0
        return base + len(self._recent)

    def layout(self) -> tuple[int, int]:
        """Return how many segments the base has and how many documents are recent."""
        return (self._base.searcher.num_segments if self._base else 0), len(self._recent)

    @classmethod
    def build(
        cls, documents: Iterable[tuple[int, str, str]], folder: Path | None = None
    ) -> LexicalIndex:
        """Index many (id, text, language) documents at once, in `folder` or in memory."""
        counted = ((doc_id, Counter(tokenize(text, lang))) for doc_id, text, lang in documents)
        return cls(_Base.build(counted, folder))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Open an index saved in a folder; ValueError when it holds none."""
        return cls(_Base.open(folder))

    def frozen(self) -> Frozen:
        """Return the documents alive now, to save once the caller's lock is released."""
        with self._lock:
            return Frozen(self._base, frozenset(self._hidden), dict(self._recent))

    def add_many(self, documents: Iterable[tuple[int, str, str]]) -> None:
        """Index (id, text, language) documents, replacing earlier versions of the same ids."""
        counted = [(doc_id, Counter(tokenize(text, lang))) for doc_id, text, lang in documents]
        self.remove_many([doc_id for doc_id, _ in counted])
        with self._lock:
            for doc_id, counts in counted:
                self._forget(doc_id)
                self._recent[doc_id] = counts
                self._recent_length += counts.total()
                for term, tf in counts.items():
                    self._postings.setdefault(term, {})[doc_id] = tf

    def add(self, doc_id: int, text: str, language: str) -> None:
        """Index one document, replacing any earlier version with the same id."""
        self.add_many([(doc_id, text, language)])

    def remove_many(self, ids: Iterable[int]) -> None:
        """Forget documents; unknown ids are ignored."""
        ids = list(ids)
        in_base = self._base.holding(ids) if self._base else []
        with self._lock:
            for doc_id in ids:
                self._forget(doc_id)
            self._hidden.update(in_base)

    def remove(self, doc_id: int) -> None:
        """Forget one document; an unknown id is ignored."""
        self.remove_many([doc_id])

    def _forget(self, doc_id: int) -> None:
        """Drop a recent document, while holding the lock."""
        counts = self._recent.pop(doc_id, None)
        if counts is None:
            return
        self._recent_length -= counts.total()
        for term in counts:
            del self._postings[term][doc_id]
            if not self._postings[term]:
                del self._postings[term]

    def score_all(self, text: str, language: str, k: int | None = None) -> LexicalScores:
        """Score the matching documents, each scaled into [0, 1]: all of them, or the best k.

        A score is the document's BM25 divided by the query's BM25 against itself, so an
        identical text scores 1 whatever its length; that makes it fusable with cosine.
        """
        terms = Counter(tokenize(text, language))
        if not terms or not len(self):
            return _NOTHING
        base = self._base
        if base is None:
            with self._lock:
                return LexicalScores(self._own_statistics(terms).scaled(()))
        query = _Scoring.of_base(base, terms)
        with self._lock:
            hidden = frozenset(self._hidden)
            query = query.with_recent(self._postings, self._recent, rounded=True)
        limit = base.count if k is None else k + len(hidden)
        found = base.search(terms, limit)
        hits = query.scaled(hit for hit in found if hit[0] not in hidden)
        if k is None or len(found) < limit:
            return LexicalScores(hits)

        def more(ids: list[int]) -> dict[int, float]:
            alive = [doc_id for doc_id in ids if doc_id not in hidden]
            return query.without_recent().scaled(base.search_ids(terms, alive))

        return LexicalScores(hits, complete=False, more=more)

    def score_many(
        self, texts: list[str], languages: list[str], k: int | None = None
    ) -> list[LexicalScores]:
        """Return what score_all gives each text."""
        return [self.score_all(t, lang, k) for t, lang in zip(texts, languages, strict=True)]

    def _own_statistics(self, terms: Counter[str]) -> _Scoring:
        """Score a query on the recent documents alone, by their own statistics (lock held)."""
        count = len(self._recent)
        average = self._recent_length / count if count else 1.0
        df = {term: len(self._postings.get(term, ())) for term in terms}
        return _Scoring(terms, count, average, df).with_recent(
            self._postings, self._recent, rounded=False
        )


def fieldnorm(length: int) -> int:
    """Return a document length as tantivy stores it: exact below 24, then on a log scale.

    This is Lucene's one-byte length encoding, which tantivy follows; recent documents are
    scored with it so that a claim scores the same before and after it enters a snapshot.
    """
    if length < 24:
        return length
    rest = length - 24
    shift = max(rest.bit_length() - 4, 0)
    if shift == 0:
        return length
    return 24 + ((rest >> shift) << shift)


@dataclass(frozen=True, slots=True)
class _Scoring:
    """One query's BM25 statistics, its score against itself, and the recent documents' raw scores.

    With a base, every score uses the base's statistics, the ones tantivy scores its hits
    with; a claim added since counts once the next snapshot holds it.
    """

    terms: Counter[str]
    count: float
    average: float
    df: dict[str, int]
    recent: dict[int, float] | None = None

    @classmethod
    def of_base(cls, base: _Base, terms: Counter[str]) -> _Scoring:
        """Read the statistics of the base, as tantivy scores with them."""
        count, average = base.statistics()
        return cls(terms, count, average, {term: base.doc_freq(term) for term in terms})

    def weight(self, term: str) -> float:
        """Return a query term's idf times how often the query holds it."""
        return self.terms[term] * idf(self.count, self.df[term])

    @property
    def ceiling(self) -> float:
        """Return the query's BM25 against itself."""
        length = self.terms.total()
        return sum(
            self.weight(term) * saturation(qtf, length, self.average)
            for term, qtf in self.terms.items()
        )

    def with_recent(
        self, postings: dict[str, dict[int, int]], recent: dict[int, Counter[str]], rounded: bool
    ) -> _Scoring:
        """Score the recent documents that hold a query term (the caller holds their lock)."""
        scores: dict[int, float] = {}
        for term in self.terms:
            weight = self.weight(term)
            for doc_id, tf in postings.get(term, {}).items():
                length = recent[doc_id].total()
                length = fieldnorm(length) if rounded else length
                scores[doc_id] = scores.get(doc_id, 0.0) + weight * saturation(
                    tf, length, self.average
                )
        return _Scoring(self.terms, self.count, self.average, self.df, scores)

    def without_recent(self) -> _Scoring:
        """Return these statistics with no recent document scored."""
        return _Scoring(self.terms, self.count, self.average, self.df, {})

    def scaled(self, found: Iterable[tuple[int, float]]) -> dict[int, float]:
        """Scale raw BM25 (base hits, then recent ones) by the query's own score, capped at 1."""
        ceiling = self.ceiling
        if ceiling <= 0:
            return {}
        raw = (*found, *(self.recent or {}).items())
        return {doc_id: min(1.0, score / ceiling) for doc_id, score in raw}
