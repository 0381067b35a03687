"""Small helpers shared by the HTML views and the JSON API."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from urllib.parse import urlparse

from flask import current_app
from flask_login import current_user
from sqlmodel import Session

from claims.errors import N_, InvalidInput
from claims.intake.claimreview import PriorReview, reviews_on_page
from claims.intake.fetch import FetchSettings, fetch_page
from claims.intake.web import article_from_link, is_link_only
from claims.schemas import ArticleIn, ArticleLink, ClaimFilters, parse
from claims.services.articles import (
    IngestFailure,
    IngestResult,
    Outcome,
    ingest_batch,
    settings_for,
)
from claims.services.calibration import Thresholds, thresholds
from claims.services.priorchecks import import_reviews
from claims.text.pipeline import clean_body
from claims.web.auth import actor
from claims.web.extensions import fresh_index, get_session, services

# Read from the schema, so a filter added there is parsed here and documented in OpenAPI.
FILTER_KEYS = tuple(ClaimFilters.model_fields)
# `/api/search` documented `lang` first; kept as an alias that counts when `language` is blank.
FILTER_ALIASES = {"lang": "language"}
MAX_PER_PAGE = 200
# The assignee filter value for the signed-in user's own claims.
MINE = "mine"


def ingest(data: ArticleIn) -> IngestResult:
    """Import one article with the app's services and settings."""
    return ingest_all([data])[0]


def check_bodies(articles: list[ArticleIn | ArticleLink]) -> None:
    """Refuse the lot, with the reason, if any article's body is empty or too long."""
    for data in articles:
        if isinstance(data, ArticleIn):
            clean_body(data.body, current_app.config["MAX_BODY_CHARS"])


def link_resolver() -> Callable[[ArticleLink], ArticleIn]:
    """Return what fetches a link's article, with the app's fetch settings."""
    return partial(article_from_link, settings=FetchSettings.from_config(current_app.config))


def article_or_link(record: object) -> ArticleIn | ArticleLink:
    """Parse an article, or a link to fetch when the record names a URL and has no body."""
    if is_link_only(record):
        return parse(ArticleLink, record)
    return parse(ArticleIn, record)


def article_of(record: object) -> ArticleIn:
    """Parse an article, fetching its page first when the record is a URL without a body."""
    item = article_or_link(record)
    return link_resolver()(item) if isinstance(item, ArticleLink) else item


def ingest_all(articles: list[ArticleIn]) -> list[IngestResult]:
    """Import several articles, checking every body first so a bad one imports none."""
    check_bodies(articles)
    session = get_session()
    settings = settings_for(session, current_app.config, services().checkworthiness, actor())
    outcomes = ingest_batch(session, services().embedder, fresh_index(), articles, settings)
    failure = next((o for o in outcomes if isinstance(o, IngestFailure)), None)
    if failure is not None:
        raise failure.error
    return outcomes


def prior_reviews_at(url: str) -> list[PriorReview]:
    """Fetch a fact-check page and read the ClaimReviews its JSON-LD holds."""
    link = parse(ArticleLink, {"url": url})
    page = fetch_page(link.url, FetchSettings.from_config(current_app.config))
    return reviews_on_page(page.html, page.url)


def import_prior_reviews(session: Session, reviews: list[PriorReview], who: str) -> list[Outcome]:
    """Store published fact-checks as claims with their organisation's verdict."""
    settings = settings_for(session, current_app.config, services().checkworthiness, who)
    index = services().index
    index.ensure_fresh(session)
    return import_reviews(session, services().embedder, index, reviews, settings)


def duration(seconds: float) -> str:
    """Say a number of seconds the way a person would: "40 s", "3 min", "1 h 05"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"


def match_thresholds() -> Thresholds:
    """Return the suggestion and auto-link thresholds in force."""
    return thresholds(get_session(), current_app.config)


def claim_ids(values: list[str]) -> list[int]:
    """Read ticked claim ids from a form, ignoring anything that is not one."""
    return [int(v) for v in values if v.isdigit() and len(v) <= 18]


def filters_from(args: Mapping[str, str]) -> ClaimFilters:
    """Parse the shared filters from query parameters, with their FILTER_ALIASES."""
    data = {key: args.get(key) for key in FILTER_KEYS}
    for alias, key in FILTER_ALIASES.items():
        data[key] = data[key] or args.get(alias)
    if (data["assignee"] or "").strip().lower() == MINE and current_user.is_authenticated:
        data["assignee"] = current_user.username
    return parse(ClaimFilters, data)


@dataclass(frozen=True, slots=True)
class IntParam:
    """A bounded whole-number query parameter: read by int_arg, described in OpenAPI."""

    name: str
    default: int
    low: int
    high: int

    def read(self, args: Mapping[str, str]) -> int:
        """Read the parameter from query arguments, or raise InvalidInput."""
        return int_arg(args, self.name, self.default, self.low, self.high)


PAGE = IntParam("page", 1, 1, 1_000_000)
PER_PAGE = IntParam("per_page", 50, 1, MAX_PER_PAGE)
# How many matches the API returns.
API_K = IntParam("k", 10, 1, 100)


def int_arg(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """Read an integer query parameter within bounds, or raise InvalidInput."""
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(N_("%(name)s must be a whole number."), name=name) from None
    if not low <= value <= high:
        raise InvalidInput(
            N_("%(name)s must be between %(low)s and %(high)s."), name=name, low=low, high=high
        )
    return value


def page_args(args: Mapping[str, str], per_page: int = 50) -> tuple[int, int]:
    """Read `page` and `per_page`."""
    return PAGE.read(args), replace(PER_PAGE, default=per_page).read(args)


def safe_next(target: str | None, default: str) -> str:
    """Follow a `next` path only within this site, never to another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    parsed = urlparse(target)
    return default if parsed.scheme or parsed.netloc or "\\" in target else target


def expected_version(form: Mapping[str, str]) -> int | None:
    """Read the claim version a form was rendered with (None when absent)."""
    return int_arg(form, "version", 0, 0, 2**31) or None
