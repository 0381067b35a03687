"""What a claim or a query is matched by: its words without links, hashtags split into words.

Measured on the CheckThat! train splits (docs/quality.md): dropping links and splitting
hashtags helps; dropping @handles or the "— Name (@handle) date" tails of tweets costs 1–3
points of MAP@5, because the author's name is often part of the fact-checked claim.
"""

from __future__ import annotations

import re

from claims.text.lexicon import fold

_URL_RE = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE)
_HASHTAG_RE = re.compile(r"#(\w+)")
_CAMEL_RE = re.compile(r"(?<=[a-z\u00e0-\u00ff])(?=[A-Z\u00c0-\u00de])")
_SPACES_RE = re.compile(r"\s+")


def _untag(match: re.Match[str]) -> str:
    """Turn "#ImpeachTrump" into words: "Impeach Trump"."""
    return _CAMEL_RE.sub(" ", match.group(1).replace("_", " "))


def clean(text: str) -> str:
    """Return text without links, with hashtags as words and single spaces."""
    text = _HASHTAG_RE.sub(_untag, _URL_RE.sub(" ", text))
    cleaned = _SPACES_RE.sub(" ", text).strip()
    # A post made only of links keeps its raw text rather than matching nothing.
    return cleaned or _SPACES_RE.sub(" ", text).strip()


def matching_text(text: str, title: str | None = None) -> str:
    """Return what a claim is matched by: its cleaned words, after its headline if given."""
    words = clean(text)
    headline = clean(title or "")
    if not headline or fold(headline) == fold(words):
        return words
    return f"{headline}. {words}"


def claim_matching_texts(texts: list[str], article_title: str | None) -> list[str]:
    """Return each new claim's matching text; a one-claim article's headline describes it."""
    title = article_title if len(texts) == 1 else None
    return [matching_text(text, title) for text in texts]
