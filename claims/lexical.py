"""An in-memory BM25 index over claim texts, with accent folding, stop words and stemming."""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMERS = {
    "fr": "french",
    "en": "english",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
}
# Folded (accent-free) forms, since folding happens before the stop-word test.
_STOP = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cet",
        "cette",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "m",
        "n",
        "s",
        "t",
        "y",
        "ete",
        "etre",
        "est",
        "sont",
        "ont",
        "avait",
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "it",
        "that",
        "for",
        "on",
        "was",
        "with",
        "as",
        "at",
        "by",
        "an",
        "be",
        "this",
        "are",
        "from",
        "or",
        "has",
        "have",
        "had",
        "not",
        "but",
        "its",
        "were",
        "which",
        "their",
        "been",
        "will",
        "would",
        "there",
        "they",
        "he",
        "she",
        "his",
        "her",
        "we",
        "you",
        "i",
    ]
)


def fold(text: str) -> str:
    """Lower-case and strip accents, so « été » and "ete" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=16)
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    """Return the Snowball stemmer for a language code, or None when there is none."""
    name = _STEMMERS.get(language)
    return Stemmer.Stemmer(name) if name else None


def tokenize(text: str, language: str) -> list[str]:
    """Turn text into folded, stemmed terms without stop words."""
    words = [w for w in _WORD.findall(fold(text)) if w not in _STOP]
    stemmer = _stemmer(language)
    return stemmer.stemWords(words) if stemmer else words


class LexicalIndex:
    """BM25 (Okapi) over documents keyed by claim id; safe for concurrent reads."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._postings: dict[str, dict[int, int]] = {}
        self._lengths: dict[int, int] = {}
        self._terms: dict[int, tuple[str, ...]] = {}
        self._total_length = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, doc_id: int, text: str, language: str) -> None:
        """Index one document, replacing any earlier version with the same id."""
        terms = Counter(tokenize(text, language))
        with self._lock:
            self._remove_locked(doc_id)
            for term, tf in terms.items():
                self._postings.setdefault(term, {})[doc_id] = tf
            self._lengths[doc_id] = sum(terms.values())
            self._terms[doc_id] = tuple(terms)
            self._total_length += self._lengths[doc_id]

    def remove(self, doc_id: int) -> None:
        """Forget one document; unknown ids are ignored."""
        with self._lock:
            self._remove_locked(doc_id)

    def _remove_locked(self, doc_id: int) -> None:
        """Remove a document while holding the lock."""
        length = self._lengths.pop(doc_id, None)
        if length is None:
            return
        self._total_length -= length
        for term in self._terms.pop(doc_id):
            del self._postings[term][doc_id]
            if not self._postings[term]:
                del self._postings[term]

    def _idf(self, term: str) -> float:
        """Return the BM25 idf of a term (always positive)."""
        n = len(self._lengths)
        df = len(self._postings.get(term, ()))
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _term_weight(self, tf: int, length: int, avg_length: float) -> float:
        """Return BM25's saturated term frequency."""
        norm = self.k1 * (1 - self.b + self.b * length / avg_length)
        return tf * (self.k1 + 1) / (tf + norm)

    def scores(self, text: str, language: str) -> dict[int, float]:
        """Return every matching document's score, scaled into [0, 1].

        A score is the document's BM25 divided by the query's BM25 against itself, so an
        identical text scores about 1 whatever its length; that makes it fusable with cosine.
        """
        terms = Counter(tokenize(text, language))
        if not terms or not self._lengths:
            return {}
        avg = self._total_length / len(self._lengths) or 1.0
        query_length = sum(terms.values())
        scores: dict[int, float] = {}
        self_score = 0.0
        # Held while scoring: a concurrent add would resize the postings being iterated.
        with self._lock:
            for term, qtf in terms.items():
                idf = self._idf(term)
                self_score += qtf * idf * self._term_weight(qtf, query_length, avg)
                for doc_id, tf in self._postings.get(term, {}).items():
                    weight = qtf * idf * self._term_weight(tf, self._lengths[doc_id], avg)
                    scores[doc_id] = scores.get(doc_id, 0.0) + weight
        return {doc_id: min(1.0, score / self_score) for doc_id, score in scores.items()}

    def search(self, text: str, language: str, k: int) -> list[tuple[int, float]]:
        """Return up to k (id, score) pairs, best first."""
        ranked = sorted(self.scores(text, language).items(), key=lambda item: (-item[1], item[0]))
        return ranked[:k]
