"""Verdict reports: one row per claim that has a verdict."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlmodel import Session, select

from claims.models import Article, Claim, ClaimLink, LinkState, Source, Verdict
from claims.ratings import BY_KEY
from claims.schemas import ClaimFilters
from claims.services.links import apply_filters

CSV_HEADER = [
    "claim_id",
    "claim",
    "article_title",
    "source",
    "url",
    "published_at",
    "language",
    "rating",
    "rating_value",
    "explanation",
    "evidence_urls",
    "reviewer",
    "reviewed_at",
    "near_duplicates",
]


def _duplicate_counts():
    """Return a subquery counting each claim's links that were not rejected."""
    ends = sa.union_all(
        select(ClaimLink.claim_a_id.label("claim_id")).where(ClaimLink.state != LinkState.REJECTED),
        select(ClaimLink.claim_b_id.label("claim_id")).where(ClaimLink.state != LinkState.REJECTED),
    ).subquery()
    return select(ends.c.claim_id, sa.func.count().label("n")).group_by(ends.c.claim_id).subquery()


def reviewed_claims_query(filters: ClaimFilters):
    """Select (Claim, Article, Source, Verdict) for claims whose current verdict passes the filters.

    The current verdict is the newest (verdicts are append-only, so the highest id); `status`
    and `min_score` are ignored, since a report covers every reviewed claim. Ordered by claim id.
    """
    latest = select(sa.func.max(Verdict.id)).group_by(Verdict.claim_id)
    query = (
        select(Claim, Article, Source, Verdict)
        .join(Article, Claim.article_id == Article.id)
        .join(Source, Article.source_id == Source.id)
        .join(Verdict, Verdict.claim_id == Claim.id)
        .where(Verdict.id.in_(latest))
        .order_by(Claim.id)
    )
    query = apply_filters(query, filters.model_copy(update={"status": None, "min_score": None}))
    if filters.rating:
        query = query.where(Verdict.rating == filters.rating)
    return query


def verdict_rows(session: Session, filters: ClaimFilters) -> Iterator[list[object]]:
    """Yield export rows for claims whose current verdict passes the filters, by claim id."""
    counts = _duplicate_counts()
    query = (
        reviewed_claims_query(filters)
        .add_columns(sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.claim_id == Claim.id)
    )
    for claim, article, source, verdict, duplicates in session.exec(query).yield_per(500):
        yield [
            claim.id,
            claim.text,
            article.title,
            source.name,
            article.url,
            article.published_at.isoformat() if article.published_at else "",
            claim.language,
            BY_KEY[verdict.rating].alternate_name,
            BY_KEY[verdict.rating].rating_value,
            verdict.explanation,
            " ".join(verdict.evidence),
            verdict.reviewer,
            verdict.created_at.isoformat(timespec="seconds"),
            duplicates,
        ]
