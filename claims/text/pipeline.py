"""The article pipeline up to embedding: normalise, detect language, split, score, attribute."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from claims.errors import N_, InvalidInput, TooLarge
from claims.text.checkworthiness import score
from claims.text.language import detect_language
from claims.text.normalise import html_to_text, looks_like_html, normalise
from claims.text.sentences import extract_claims
from claims.text.speakers import find_speaker


@dataclass(frozen=True, slots=True)
class ClaimDraft:
    """A claim before it is stored: its span in the body and what the heuristics found."""

    position: int
    start: int
    end: int
    text: str
    checkworthiness: float
    speaker: str | None


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """An article's normalised body, language, hash and claim drafts."""

    body: str
    language: str
    body_sha256: str
    claims: list[ClaimDraft]


def clean_body(raw: str, max_chars: int) -> str:
    """Strip HTML and normalise, refusing empty or oversized bodies."""
    body = normalise(html_to_text(raw) if looks_like_html(raw) else raw)
    if not body:
        raise InvalidInput(N_("The article body is empty once markup and whitespace are removed."))
    if not any(char.isalpha() for char in body):
        raise InvalidInput(
            N_(
                "The article body has no letters (only digits, symbols or emoji), "
                "so it holds no claim to check."
            )
        )
    if len(body) > max_chars:
        raise TooLarge(
            N_("The article body has %(n)s characters; the limit is %(limit)s."),
            n=f"{len(body):,}",
            limit=f"{max_chars:,}",
        )
    return body


def body_hash(body: str) -> str:
    """Return the hash that identifies an article by its normalised text."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def draft_claims(body: str, language: str) -> list[ClaimDraft]:
    """Split a body into scored, attributed claims; pronouns resolve to the last speaker."""
    drafts, previous = [], None
    for position, span in enumerate(extract_claims(body, language)):
        speaker = find_speaker(span.text, language, previous)
        previous = speaker or previous
        drafts.append(
            ClaimDraft(
                position=position,
                start=span.start,
                end=span.end,
                text=span.text,
                checkworthiness=score(span.text, language),
                speaker=speaker,
            )
        )
    return drafts


def prepare_whole(body: str, language: str | None, speaker: str | None) -> PreparedArticle:
    """Prepare a body that is one claim as a whole (a fact-check's claim), with its speaker."""
    language = language or detect_language(body)
    draft = ClaimDraft(0, 0, len(body), body, score(body, language), speaker)
    return PreparedArticle(body, language, body_hash(body), [draft])


def prepare_article(body: str, language: str | None) -> PreparedArticle:
    """Run the text pipeline on a cleaned body; the language is detected when missing."""
    language = language or detect_language(body)
    return PreparedArticle(body, language, body_hash(body), draft_claims(body, language))
