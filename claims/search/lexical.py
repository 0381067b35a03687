"""BM25 over claim texts, with accent folding, stop words and stemming.

Documents are held in frozen segments, flat numpy arrays scored in bulk and saved as .npy
files that other processes memory-map, plus the documents added since the last save.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
import time
import uuid
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import Stemmer

from claims.text.lexicon import BM25_STOPWORDS, LANGUAGE_NAMES, fold, language_code

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


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


@lru_cache(maxsize=1 << 18)
def term_key(term: str) -> int:
    """Return a term's stable 64-bit key (Python's own hash differs between processes)."""
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")


def term_counts(text: str, language: str) -> Counter[int]:
    """Return how often each term occurs in a text, keyed by term_key."""
    return Counter(term_key(term) for term in tokenize(text, language))


_EMPTY = np.zeros(0, dtype=np.int64)
_ARRAYS = ("ids", "lengths", "keys", "starts", "docs", "tfs")


@dataclass(frozen=True, slots=True, eq=False)
class Segment:
    """Frozen postings in flat arrays.

    Documents are `ids` (ascending) with their `lengths`. Term `keys` are ascending; the
    postings of keys[i] are docs[starts[i]:starts[i + 1]], positions into `ids`, with `tfs`.
    """

    ids: np.ndarray
    lengths: np.ndarray
    keys: np.ndarray
    starts: np.ndarray
    docs: np.ndarray
    tfs: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls, ids: np.ndarray, lengths: np.ndarray, keys: np.ndarray, owners: np.ndarray, tfs
    ) -> Segment:
        """Build a segment from documents and (term key, owner id, tf) postings."""
        order = np.argsort(ids, kind="stable")
        ids, lengths = ids[order].astype(np.int64), lengths[order].astype(np.int32)
        docs = np.searchsorted(ids, owners).astype(np.int32)
        order = np.lexsort((docs, keys))
        unique, first = np.unique(keys[order], return_index=True)
        starts = np.append(first, len(order)).astype(np.int64)
        return cls(ids, lengths, unique, starts, docs[order], tfs[order].astype(np.int32))

    def postings(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the positions and term frequencies of the documents holding a term."""
        i = int(np.searchsorted(self.keys, np.uint64(key)))
        if i == len(self.keys) or int(self.keys[i]) != key:
            return _EMPTY, _EMPTY
        span = slice(int(self.starts[i]), int(self.starts[i + 1]))
        return self.docs[span], self.tfs[span]

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """Return the positions of those of `ids` that this segment holds."""
        found = np.searchsorted(self.ids, ids)
        inside = found < len(self.ids)
        found, ids = found[inside], ids[inside]
        return found[self.ids[found] == ids]

    def length_of(self, doc_id: int) -> int | None:
        """Return a document's length, or None when the segment does not hold it."""
        found = self.positions(np.asarray([doc_id], dtype=np.int64))
        return int(self.lengths[found[0]]) if len(found) else None

    def parts(self, hidden: set[int]) -> tuple[np.ndarray, ...]:
        """Return (ids, lengths, keys, owners, tfs) of the documents not hidden."""
        keys = np.repeat(self.keys, np.diff(self.starts))
        owners, keep = self.ids[self.docs], slice(None)
        docs_kept = slice(None)
        if hidden:
            gone = np.fromiter(hidden, dtype=np.int64)
            keep = ~np.isin(owners, gone)
            docs_kept = ~np.isin(self.ids, gone)
        return (
            self.ids[docs_kept],
            self.lengths[docs_kept],
            keys[keep],
            owners[keep],
            self.tfs[keep],
        )

    def save(self, folder: Path) -> None:
        """Write the arrays into a new folder, renamed into place once complete."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", getattr(self, name))
        os.replace(tmp, folder)

    @classmethod
    def load(cls, folder: Path, mmap: bool) -> Segment:
        """Read a saved segment, memory-mapping its arrays if asked."""
        mode = "r" if mmap else None
        # Plain views of the maps: slicing a np.memmap costs far more than slicing an array.
        arrays = (np.load(folder / f"{name}.npy", mmap_mode=mode) for name in _ARRAYS)
        return cls(*(a.view(np.ndarray) for a in arrays))


class _Parts:
    """Documents and postings collected one document at a time, in compact arrays."""

    def __init__(self) -> None:
        # Typed arrays, not lists: 10^6 claims make about 10^7 postings.
        self.ids, self.lengths = array("q"), array("l")
        self.keys, self.owners, self.tfs = array("Q"), array("q"), array("l")

    def add(self, doc_id: int, counts: Counter[int]) -> None:
        """Add one document's term counts."""
        self.ids.append(doc_id)
        self.lengths.append(sum(counts.values()))
        self.keys.extend(counts.keys())
        self.tfs.extend(counts.values())
        self.owners.extend([doc_id] * len(counts))

    def arrays(self) -> tuple[np.ndarray, ...]:
        """Return (ids, lengths, keys, owners, tfs) as numpy arrays."""
        return tuple(
            np.frombuffer(a, dtype=a.typecode) if len(a) else np.zeros(0, dtype=a.typecode)
            for a in (self.ids, self.lengths, self.keys, self.owners, self.tfs)
        )


def _joined(parts: list[tuple[np.ndarray, ...]]) -> Segment:
    """Build one segment from several (ids, lengths, keys, owners, tfs) tuples."""
    dtypes = (np.int64, np.int32, np.uint64, np.int64, np.int32)
    arrays = [
        np.concatenate([np.asarray(p[i], dtype=dtype) for p in parts])
        if parts
        else np.zeros(0, dtype=dtype)
        for i, dtype in enumerate(dtypes)
    ]
    return Segment.build(*arrays)


@dataclass(frozen=True, slots=True)
class LexicalScores:
    """The documents matching a query, with scores in [0, 1]."""

    ids: np.ndarray
    values: np.ndarray

    def top(self, k: int) -> list[tuple[int, float]]:
        """Return up to k (id, score) pairs, best first, ties by id."""
        ids, values = self.ids, self.values
        if len(values) > k > 0:
            kth = np.partition(values, len(values) - k)[len(values) - k]
            keep = values >= kth
            ids, values = ids[keep], values[keep]
        order = np.lexsort((ids, -values))[: max(k, 0)]
        return list(zip(ids[order].tolist(), values[order].tolist(), strict=True))

    def of(self, wanted: Iterable[int]) -> dict[int, float]:
        """Return the scores of these ids (those that match at all)."""
        keep = np.isin(self.ids, np.fromiter(wanted, dtype=np.int64))
        return dict(zip(self.ids[keep].tolist(), self.values[keep].tolist(), strict=True))

    def as_dict(self) -> dict[int, float]:
        """Return every matching id with its score."""
        return dict(zip(self.ids.tolist(), self.values.tolist(), strict=True))


@dataclass(frozen=True, slots=True)
class _Query:
    """A query's terms with their alive postings (per segment) and idf."""

    terms: Counter[int]
    postings: list[dict[int, tuple[np.ndarray, np.ndarray]]]
    idf: dict[int, float]
    avg: float
    self_score: float


def _idf(count: int, df: int) -> float:
    """Return BM25's idf of a term held by df of count documents."""
    return float(np.log(1 + (count - df + 0.5) / (df + 0.5)))


def _keys(scores: dict[int, float]) -> np.ndarray:
    """Return a score dict's ids as an array."""
    return np.fromiter(scores.keys(), dtype=np.int64, count=len(scores))


def _values(scores: dict[int, float]) -> np.ndarray:
    """Return a score dict's scores as an array."""
    return np.fromiter(scores.values(), dtype=np.float64, count=len(scores))


def _scaled(query: _Query, ids: list[np.ndarray], raw: list[np.ndarray]) -> LexicalScores:
    """Scale raw BM25 by the query's own score, capped at 1."""
    return LexicalScores(
        np.concatenate(ids), np.minimum(1.0, np.concatenate(raw) / query.self_score)
    )


# A save folds recent changes into a small delta segment. Once they outgrow this share of
# the base (and MIN_MERGE documents), everything is merged into one new base instead.
MERGE_SHARE = 0.125
MIN_MERGE = 20_000
# Saved files no manifest names are deleted only once this old: a reader may be opening them.
KEEP_SECONDS = 600


class _Scratch:
    """Zeroed arrays reused by every query, cleaned after each use.

    A fresh 8 MB array per query at 10^6 claims cost its page faults and a full scan for the
    non-zero entries; a reused one, plus a byte per document flagging the touched ones, does not.
    """

    def __init__(self) -> None:
        self.sums = np.zeros(0)
        self.touched = np.zeros(0, dtype=bool)

    def accumulate(
        self, size: int, parts: Iterable[tuple[np.ndarray, np.ndarray]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sum (positions, weights) parts; return the touched positions, ascending, and sums."""

        def fill(sums: np.ndarray, touched: np.ndarray) -> None:
            for positions, weights in parts:
                sums[positions] += weights
                touched[positions] = True

        return self._summed(size, fill)

    def add_at(
        self, size: int, positions: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like accumulate, for positions that may repeat: they add up in array order."""

        def fill(sums: np.ndarray, touched: np.ndarray) -> None:
            np.add.at(sums, positions, weights)
            touched[positions] = True

        return self._summed(size, fill)

    def _summed(
        self, size: int, fill: Callable[[np.ndarray, np.ndarray], None]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Let fill add into the zeroed arrays; return what it touched and the sums, then clean."""
        if len(self.sums) < size:
            self.sums, self.touched = np.zeros(size), np.zeros(size, dtype=bool)
        sums, touched = self.sums[:size], self.touched[:size]
        try:
            fill(sums, touched)
            hit = np.flatnonzero(touched)
            found = sums[hit]
        except BaseException:
            sums.fill(0.0)  # rare: leave nothing behind for the next query
            touched.fill(False)
            raise
        sums[hit] = 0.0
        touched[hit] = False
        return hit, found


class LexicalIndex:
    """BM25 (Okapi) over documents keyed by claim id; safe for concurrent reads.

    A document is alive in exactly one place: the recent additions (dicts) or one segment.
    `hidden[i]` lists the ids removed or replaced in segment i since it was frozen.
    """

    def __init__(
        self,
        segments: list[Segment] | None = None,
        hidden: set[int] | None = None,  # ids removed from the first segment since saved
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        self.k1, self.b = k1, b
        self._segments = list(segments or [])
        self._hidden: list[set[int]] = [set() for _ in self._segments]
        self._masks: list[np.ndarray | None] = [None for _ in self._segments]
        self._recent: dict[int, Counter[int]] = {}
        self._postings: dict[int, dict[int, int]] = {}
        self._count = sum(len(s) for s in self._segments)
        self._total_length = sum(int(s.lengths.sum()) for s in self._segments)
        # What was last saved or loaded, while nothing has changed since.
        self._manifest: dict | None = None
        # The saved names of the leading segments already on disk.
        self._names: list[str] = []
        self._lock = threading.Lock()
        self._scratch = _Scratch()  # used under the lock
        if hidden and self._segments:
            self._hide_in_base(np.fromiter(hidden, dtype=np.int64))

    def _hide_in_base(self, ids: np.ndarray) -> None:
        """Hide saved-as-removed documents of the first segment, in one vectorised pass."""
        base = self._segments[0]
        found = base.positions(ids)
        self._hidden[0] = set(base.ids[found].tolist())
        self._count -= len(found)
        self._total_length -= int(base.lengths[found].sum())

    def __len__(self) -> int:
        return self._count

    def layout(self) -> tuple[int, int]:
        """Return how many segments there are and how many documents are not yet frozen."""
        return len(self._segments), len(self._recent)

    @classmethod
    def build(cls, documents: Iterable[tuple[int, str, str]]) -> LexicalIndex:
        """Index many (id, text, language) documents at once, into one segment."""
        parts = _Parts()
        for doc_id, text, language in documents:
            parts.add(doc_id, term_counts(text, language))
        return cls([_joined([parts.arrays()])])

    def add(self, doc_id: int, text: str, language: str) -> None:
        """Index one document, replacing any earlier version with the same id."""
        counts = term_counts(text, language)
        with self._lock:
            self._remove_locked(doc_id)
            self._recent[doc_id] = counts
            for key, tf in counts.items():
                self._postings.setdefault(key, {})[doc_id] = tf
            self._count += 1
            self._total_length += sum(counts.values())
            self._manifest = None

    def remove(self, doc_id: int) -> None:
        """Forget one document; unknown ids are ignored."""
        with self._lock:
            self._remove_locked(doc_id)

    def _remove_locked(self, doc_id: int) -> None:
        """Remove a document wherever it is alive, while holding the lock."""
        counts = self._recent.pop(doc_id, None)
        if counts is not None:
            for key in counts:
                del self._postings[key][doc_id]
                if not self._postings[key]:
                    del self._postings[key]
            self._forget(sum(counts.values()))
            return
        for i, segment in enumerate(self._segments):
            length = None if doc_id in self._hidden[i] else segment.length_of(doc_id)
            if length is not None:
                self._hidden[i].add(doc_id)
                self._masks[i] = None
                self._forget(length)
                return

    def _forget(self, length: int) -> None:
        """Account for one document gone."""
        self._count -= 1
        self._total_length -= length
        self._manifest = None

    def _alive(self, i: int) -> np.ndarray | None:
        """Return segment i's mask of documents not hidden, or None when all are alive."""
        if not self._hidden[i]:
            return None
        if self._masks[i] is None:
            mask = np.ones(len(self._segments[i]), dtype=bool)
            gone = np.fromiter(self._hidden[i], dtype=np.int64)
            mask[self._segments[i].positions(gone)] = False
            self._masks[i] = mask
        return self._masks[i]

    def _weight(self, tf, length, avg_length: float):
        """Return BM25's saturated term frequency (scalars or arrays alike)."""
        norm = self.k1 * (1 - self.b + self.b * length / avg_length)
        return tf * (self.k1 + 1) / (tf + norm)

    def _segment_postings(self, keys: list[int]) -> list[dict[int, tuple]]:
        """Return, for each segment, the alive postings of each query term."""
        found = []
        for i, segment in enumerate(self._segments):
            mask, by_key = self._alive(i), {}
            for key in keys:
                docs, tfs = segment.postings(key)
                if mask is not None and len(docs):
                    keep = mask[docs]
                    docs, tfs = docs[keep], tfs[keep]
                by_key[key] = (docs, tfs)
            found.append(by_key)
        return found

    def _prepare(self, terms: Counter[int]) -> _Query:
        """Gather a query's alive postings, idf and self score, while holding the lock."""
        n, avg = self._count, self._total_length / self._count or 1.0
        postings = self._segment_postings(list(terms))
        df = {
            key: sum(len(p[key][0]) for p in postings) + len(self._postings.get(key, ()))
            for key in terms
        }
        idf = {key: _idf(n, d) for key, d in df.items()}
        return _Query(terms, postings, idf, avg, self._self_score(terms, idf, avg))

    def _self_score(self, terms: Counter[int], idf: dict[int, float], avg: float) -> float:
        """Return the query's BM25 against itself, which scales its scores into [0, 1]."""
        query_length = sum(terms.values())
        return sum(
            qtf * idf[key] * self._weight(qtf, query_length, avg) for key, qtf in terms.items()
        )

    def _term_weights(self, query: _Query, key: int, tfs, lengths):
        """Return one query term's BM25 contribution to documents (unscaled)."""
        return query.terms[key] * query.idf[key] * self._weight(tfs, lengths, query.avg)

    def score_all(self, text: str, language: str) -> LexicalScores:
        """Score every matching document, each scaled into [0, 1].

        A score is the document's BM25 divided by the query's BM25 against itself, so an
        identical text scores 1 whatever its length; that makes it fusable with cosine.
        """
        terms = term_counts(text, language)
        if not terms or not self._count:
            return LexicalScores(_EMPTY, np.zeros(0))
        with self._lock:
            query = self._prepare(terms)
            ids, raw = self._all_matches(query)
            recent = self._recent_scores(query)
        return _scaled(query, [*ids, _keys(recent)], [*raw, _values(recent)])

    def _all_matches(self, query: _Query) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Return the ids and raw scores of every matching segment document."""
        ids, raw = [], []
        for segment, by_key in zip(self._segments, query.postings, strict=True):
            weights = (
                (docs, self._term_weights(query, key, tfs, segment.lengths[docs]))
                for key, (docs, tfs) in by_key.items()
            )
            hit, scores = self._scratch.accumulate(len(segment), weights)
            ids.append(segment.ids[hit])
            raw.append(scores)
        return ids, raw

    def score_many(self, texts: list[str], languages: list[str]) -> list[LexicalScores]:
        """Return what score_all gives each text, the same to the last bit, but faster.

        Each query's postings are gathered from a segment in one vectorised pass, instead of
        a few numpy calls per term: linking an import's thousand claims was mostly that
        per-call overhead. The sums still add each term's weights in the query's term order.
        """
        counted = [term_counts(t, lang) for t, lang in zip(texts, languages, strict=True)]
        with self._lock:
            return [self._gathered(terms) for terms in counted]

    def _gathered(self, terms: Counter[int]) -> LexicalScores:
        """Score one query like score_all, while holding the lock."""
        if not terms or not self._count:
            return LexicalScores(_EMPTY, np.zeros(0))
        n, avg = self._count, self._total_length / self._count or 1.0
        keys = np.fromiter(terms, dtype=np.uint64, count=len(terms))
        found = [self._gather(i, keys) for i in range(len(self._segments))]
        df = sum((np.bincount(of, minlength=len(keys)) for _, _, of in found), np.zeros(len(keys)))
        idf = {
            key: _idf(n, int(d) + len(self._postings.get(key, ())))
            for key, d in zip(terms, df, strict=True)
        }
        query = _Query(terms, [], idf, avg, self._self_score(terms, idf, avg))
        per_key = np.array([qtf * idf[key] for key, qtf in terms.items()])
        ids, raw = [], []
        for segment, (docs, tfs, of) in zip(self._segments, found, strict=True):
            weights = per_key[of] * self._weight(tfs, segment.lengths[docs], avg)
            hit, scores = self._scratch.add_at(len(segment), docs, weights)
            ids.append(segment.ids[hit])
            raw.append(scores)
        recent = self._recent_scores(query)
        return _scaled(query, [*ids, _keys(recent)], [*raw, _values(recent)])

    def _gather(self, i: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return segment i's alive postings of these keys: docs, tfs and the key of each."""
        segment, mask = self._segments[i], self._alive(i)
        at = np.searchsorted(segment.keys, keys)
        inside = at < len(segment.keys)
        hit = np.zeros(len(keys), dtype=bool)
        hit[inside] = segment.keys[at[inside]] == keys[inside]
        starts = np.where(hit, segment.starts[np.minimum(at, len(segment.keys) - 1)], 0)
        counts = np.where(hit, segment.starts[np.minimum(at + 1, len(segment.keys))] - starts, 0)
        of = np.repeat(np.arange(len(keys)), counts)
        # Each posting's index: its term's start plus its rank within the term.
        flat = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(len(of))
        docs, tfs = segment.docs[flat], segment.tfs[flat]
        if mask is not None and len(docs):
            keep = mask[docs]
            docs, tfs, of = docs[keep], tfs[keep], of[keep]
        return docs, tfs, of

    def _recent_scores(self, query: _Query) -> dict[int, float]:
        """Score the documents added since the last freeze, while holding the lock."""
        scores: dict[int, float] = {}
        for key in query.terms:
            for doc_id, tf in self._postings.get(key, {}).items():
                length = sum(self._recent[doc_id].values())
                weight = self._term_weights(query, key, tf, length)
                scores[doc_id] = scores.get(doc_id, 0.0) + weight
        return scores

    def save(self, folder: Path) -> dict:
        """Write what changed since the last save into `folder`; return the manifest to keep."""
        with self._lock:
            if self._manifest is not None:
                return self._manifest
            folder.mkdir(parents=True, exist_ok=True)
            self._freeze()
            for segment in self._segments[len(self._names) :]:
                name = f"segment-{uuid.uuid4().hex[:12]}"
                segment.save(folder / name)
                self._names.append(name)
            hidden = None
            if self._hidden and self._hidden[0]:
                hidden = f"hidden-{uuid.uuid4().hex[:12]}.npy"
                np.save(folder / hidden, np.fromiter(self._hidden[0], dtype=np.int64))
            self._manifest = {"segments": list(self._names), "hidden": hidden, "count": self._count}
            return self._manifest

    def _freeze(self) -> None:
        """Fold recent documents into the delta segment, or everything into a new base."""
        base = len(self._segments[0]) - len(self._hidden[0]) if self._segments else 0
        changed = self._count - base + sum(len(h) for h in self._hidden)
        merge_all = not base or changed > max(MIN_MERGE, base * MERGE_SHARE)
        first = 0 if merge_all else 1
        parts = [
            segment.parts(hidden)
            for segment, hidden in zip(self._segments[first:], self._hidden[first:], strict=True)
        ]
        parts.append(self._recent_parts())
        keep = self._segments[:first]
        delta = _joined(parts)
        self._segments = keep + ([delta] if len(delta) or not keep else [])
        self._hidden = self._hidden[:first] + [set()] * (len(self._segments) - first)
        self._masks = self._masks[:first] + [None] * (len(self._segments) - first)
        self._names = self._names[:first]
        self._recent, self._postings = {}, {}

    def _recent_parts(self) -> tuple[np.ndarray, ...]:
        """Return (ids, lengths, keys, owners, tfs) of the recent documents."""
        parts = _Parts()
        for doc_id, counts in self._recent.items():
            parts.add(doc_id, counts)
        return parts.arrays()

    @classmethod
    def load(cls, folder: Path, manifest: dict, mmap: bool = True) -> LexicalIndex:
        """Open the segments a manifest names; raise OSError or ValueError when they are gone."""
        try:
            names = list(manifest["segments"])
            hidden_name = manifest.get("hidden")
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a lexical manifest: {manifest!r}") from error
        segments = [Segment.load(folder / name, mmap) for name in names]
        hidden = set(np.load(folder / hidden_name).tolist()) if hidden_name else set()
        index = cls(segments, hidden)
        index._names = names
        index._manifest = manifest
        return index


def prune(folder: Path, keep: set[str]) -> None:
    """Delete saved segments and hidden lists no manifest in `keep` names, once old enough."""
    if not folder.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for entry in folder.iterdir():
        if entry.name in keep or entry.stat().st_mtime > cutoff:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
