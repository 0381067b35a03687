"""Reading fact-checks others published: schema.org ClaimReview, from JSON-LD or a page.

Accepts one object, a list, a `@graph` (whose `@id` references are followed), and the JSON list
that fact-check aggregators publish. Each review's rating is mapped onto the app's scale; the
original name and numbers are kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date

from lxml import html as lxml_html

from claims.errors import N_, InvalidInput
from claims.text.lexicon import fold

_LD_SCRIPT = "//script[@type='application/ld+json']/text()"

# Rating names, folded, mapped onto the app's keys; longer names are tried first, so that
# « plutôt vrai » is not read as « vrai ».
_NAMES = {
    "true": ("vrai", "true", "correct", "exact", "accurate", "verifie", "confirme"),
    "mostly-true": ("plutot vrai", "mostly true", "largely true", "globalement vrai"),
    "half-true": (
        "half true", "a moitie vrai", "partiellement vrai", "partly true", "partially true",
        "mixture", "mixed", "en partie vrai",
    ),
    "mostly-false": ("plutot faux", "mostly false", "largely false", "globalement faux"),
    "false": (
        "faux", "false", "incorrect", "inexact", "fake", "pants on fire", "wrong", "infonde",
        "errone", "fabricated",
    ),
    "misleading": (
        "trompeur", "misleading", "manipule", "missing context", "manque de contexte",
        "out of context", "hors contexte", "sorti de son contexte", "exaggerated", "exagere",
        "deceptive",
    ),
    "unverifiable": (
        "inverifiable", "unverifiable", "unproven", "non prouve", "unsupported",
        "insufficient evidence", "pas de preuve", "no evidence",
    ),
}  # fmt: skip
_BY_LENGTH = sorted(
    ((fold(name), key) for key, names in _NAMES.items() for name in names),
    key=lambda pair: -len(pair[0]),
)


@dataclass(frozen=True)
class PriorReview:
    """One published fact-check: the claim, who checked it, when, and their rating."""

    claim: str
    organisation: str
    rating: str
    organisation_url: str | None = None
    url: str | None = None
    reviewed_at: date | None = None
    rating_name: str | None = None
    rating_value: float | None = None
    best_rating: float | None = None
    worst_rating: float | None = None
    claimant: str | None = None
    language: str | None = None


def map_rating(
    name: str | None, value: float | None, best: float | None, worst: float | None
) -> str:
    """Return the app's rating for a review's: by its name, else by its place on its scale."""
    folded = f" {fold(name or '')} "
    for words, key in _BY_LENGTH:
        if re.search(rf"(?<![\w]){re.escape(words)}(?![\w])", folded):
            return key
    if value is not None and best is not None and worst is not None and best != worst:
        share = (value - worst) / (best - worst)
        for floor, key in ((0.9, "true"), (0.65, "mostly-true"), (0.4, "half-true")):
            if share >= floor:
                return key
        return "mostly-false" if share >= 0.15 else "false"
    return "unverifiable"


def _number(value: object) -> float | None:
    """Read a rating number written as a number or a string."""
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _date(value: object) -> date | None:
    """Read the date part of an ISO date or timestamp."""
    match = re.match(r"\d{4}-\d{2}-\d{2}", str(value or ""))
    try:
        return date.fromisoformat(match.group()) if match else None
    except ValueError:
        return None


def _nodes(data: object) -> list[dict]:
    """Flatten JSON-LD into its objects: lists, @graph, and nested ones alike."""
    found: list[dict] = []
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(reversed(item))
        elif isinstance(item, dict):
            found.append(item)
            if "@graph" in item:
                pending.append(item["@graph"])
    return found


def _is_a(node: dict, kind: str) -> bool:
    """Return True if a node's @type names this schema.org type."""
    types = node.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(str(t).rsplit("/", 1)[-1] == kind for t in types if t)


def _resolved(value: object, by_id: dict[str, dict]) -> object:
    """Follow an {"@id": …} reference to the node it names, when the document has it."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and set(value) <= {"@id"} and value.get("@id") in by_id:
        return by_id[value["@id"]]
    return value


def _name(value: object) -> str | None:
    """Return a person's or organisation's name (or a bare string)."""
    if isinstance(value, dict):
        value = value.get("name")
    text = " ".join(str(value).split()) if value else ""
    return text or None


def reviews_in(data: object) -> list[PriorReview]:
    """Return every ClaimReview in a JSON-LD document; InvalidInput when there is none."""
    nodes = _nodes(data)
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    reviews = [_review(node, by_id) for node in nodes if _is_a(node, "ClaimReview")]
    reviews = [review for review in reviews if review is not None]
    if not reviews:
        raise InvalidInput(N_("No ClaimReview with a claim and an author was found there."))
    return reviews


def _review(node: dict, by_id: dict[str, dict]) -> PriorReview | None:
    """Read one ClaimReview; None when it lacks the claim or who reviewed it."""
    claim = " ".join(str(node.get("claimReviewed") or "").split())
    author = _resolved(node.get("author"), by_id)
    organisation = _name(author)
    if not claim or not organisation:
        return None
    rating = _resolved(node.get("reviewRating"), by_id)
    rating = rating if isinstance(rating, dict) else {}
    name = _name(rating.get("alternateName")) or _name(rating.get("name"))
    value, best = _number(rating.get("ratingValue")), _number(rating.get("bestRating"))
    worst = _number(rating.get("worstRating"))
    item = _resolved(node.get("itemReviewed"), by_id)
    item = item if isinstance(item, dict) else {}
    url = node.get("url")
    language = node.get("inLanguage")
    return PriorReview(
        claim=claim[:5000],
        organisation=organisation[:200],
        rating=map_rating(name, value, best, worst),
        organisation_url=author.get("url") if isinstance(author, dict) else None,
        url=url if isinstance(url, str) and url.startswith(("http://", "https://")) else None,
        reviewed_at=_date(node.get("datePublished")),
        rating_name=name,
        rating_value=value,
        best_rating=best,
        worst_rating=worst,
        claimant=_name(_resolved(item.get("author"), by_id)),
        language=language[:2].lower() if isinstance(language, str) and language else None,
    )


def reviews_on_page(html: str, url: str | None = None) -> list[PriorReview]:
    """Return the ClaimReviews a page's JSON-LD holds; a review without a URL gets the page's."""
    try:
        tree = lxml_html.document_fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        raise InvalidInput(N_("The page is not readable HTML.")) from None
    documents = []
    for script in tree.xpath(_LD_SCRIPT):
        try:
            documents.append(json.loads(script))
        except ValueError:
            continue  # one broken block must not hide the others
    found = reviews_in(documents)
    return [review if review.url else _with_url(review, url) for review in found]


def _with_url(review: PriorReview, url: str | None) -> PriorReview:
    """Return the review with the page's address as its own."""
    return replace(review, url=url)
