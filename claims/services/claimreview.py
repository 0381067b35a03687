"""schema.org ClaimReview (JSON-LD) for reviewed claims, in the shape Google's fact-check docs ask.

Each claim with a verdict becomes one ClaimReview of its current (latest) verdict: the claim
text is `claimReviewed`, the verdict's rating is `reviewRating` on our 1-5 scale (ratings off
the numeric scale keep only their label), the article the claim came from is the claim's
`appearance`, and the organisation running this tracker is the review's `author`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from claims.errors import NotFound
from claims.models import Article, Claim, Source, Verdict
from claims.ratings import BEST_RATING, WORST_RATING, get_rating
from claims.schemas import ClaimFilters
from claims.services.claims import ClaimContext, get_claim
from claims.services.export import reviewed_claims_query

CONTEXT = "https://schema.org"
MEDIA_TYPE = "application/ld+json"


def _wordset(words: str) -> frozenset[str]:
    """Build a word set from a space-separated string (compact vocabularies)."""
    return frozenset(words.split())


# Speakers are free text; a name holding one of these words is an organisation, not a person.
_ORGANISATION_WORDS = _wordset(
    """ministry department government agency office bank council commission committee
    parliament senate congress court police army party union institute university
    company authority administration association federation bureau reuters afp
    ministère gouvernement agence banque conseil comité parlement sénat assemblée tribunal
    armée parti syndicat institut université entreprise autorité insee mairie préfecture"""
)
# Titles that name a person even inside an organisation ("Bank governor John Smith").
_PERSON_WORDS = _wordset(
    """minister secretary president governor mayor senator spokesman spokeswoman
    spokesperson chairman director mr mrs ms dr ministre président présidente maire
    sénateur sénatrice parole directeur directrice"""
)
# Escaped so the JSON can be pasted inside <script type="application/ld+json"> unchanged.
_HTML_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


@dataclass(frozen=True, slots=True)
class Publisher:
    """The fact-checking organisation the reviews are published under."""

    name: str
    url: str = ""


ClaimUrl = Callable[[int], str]


def review_of_claim(
    session: Session, claim_id: int, claim_url: ClaimUrl, publisher: Publisher
) -> dict[str, Any]:
    """Return a claim's ClaimReview as a JSON-LD document, or raise NotFound."""
    context = get_claim(session, claim_id)
    if context.verdict is None:
        raise NotFound(f"Claim {claim_id} has no verdict yet, so it has no ClaimReview.")
    return {"@context": CONTEXT, **claim_review(context, claim_url(claim_id), publisher)}


def reviews(
    session: Session, filters: ClaimFilters, claim_url: ClaimUrl, publisher: Publisher
) -> Iterator[dict[str, Any]]:
    """Yield a ClaimReview node for each claim whose current verdict passes the export filters."""
    rows = session.exec(reviewed_claims_query(filters)).yield_per(500)
    for claim, article, source, verdict in rows:
        context = ClaimContext(claim, article, source, verdict)
        yield claim_review(context, claim_url(claim.id), publisher)


def claim_review(context: ClaimContext, url: str, publisher: Publisher) -> dict[str, Any]:
    """Build the ClaimReview node (without @context) of a claim and its current verdict."""
    verdict: Verdict = context.verdict
    return {
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": context.claim.text,
        "reviewRating": _rating(verdict.rating, context.claim.language),
        "itemReviewed": _claim(context.claim, context.article, context.source),
        "author": _organisation(publisher.name, publisher.url),
        "datePublished": verdict.created_at.date().isoformat(),
        "reviewBody": verdict.explanation,
    }


def _rating(key: str, language: str | None) -> dict[str, Any]:
    """Map a verdict rating onto a schema.org Rating, labelled in the claim's language.

    Unscaled ratings keep only their label.
    """
    rating = get_rating(key)
    if rating.rating_value is None:
        return {"@type": "Rating", "alternateName": rating.label(language)}
    return {
        "@type": "Rating",
        "ratingValue": rating.rating_value,
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": rating.label(language),
    }


def _claim(claim: Claim, article: Article, source: Source) -> dict[str, Any]:
    """Describe the reviewed Claim: where it appeared, when, and who made it when known."""
    appearance: dict[str, Any] = {"@type": "CreativeWork"}
    if article.url:
        appearance["url"] = article.url
    appearance["headline"] = article.title
    appearance["publisher"] = _organisation(source.name)
    item: dict[str, Any] = {"@type": "Claim", "appearance": [appearance]}
    if article.published_at:
        item["datePublished"] = article.published_at.isoformat()
    if claim.speaker:
        item["author"] = {"@type": speaker_type(claim.speaker), "name": claim.speaker}
    return item


def _organisation(name: str, url: str = "") -> dict[str, Any]:
    """Return a schema.org Organization, with its url only when there is one."""
    organisation = {"@type": "Organization", "name": name}
    return {**organisation, "url": url} if url else organisation


def speaker_type(name: str) -> str:
    """Guess whether a speaker is a "Person" or an "Organization" from the words of its name."""
    words = set(re.findall(r"\w+", name.lower()))
    if words & _PERSON_WORDS or not words & _ORGANISATION_WORDS:
        return "Person"
    return "Organization"


def dumps(data: Any) -> str:
    """Serialise to JSON with <, > and & escaped, so text is never read as HTML markup."""
    text = json.dumps(data, ensure_ascii=False)
    return re.sub("[<>&]", lambda match: _HTML_UNSAFE[match.group()], text)


def graph_chunks(nodes: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield one JSON-LD document, {"@context": ..., "@graph": [...]}, a node at a time."""
    yield '{"@context": ' + json.dumps(CONTEXT) + ', "@graph": ['
    for position, node in enumerate(nodes):
        yield ("" if position == 0 else ", ") + dumps(node)
    yield "]}"
