"""The outlets articles come from, with how much of their work is in the tracker."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from claims.models import Article, Claim, ClaimStatus, Source
from claims.services.rows import get_or_404


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """A source and its counts: articles, claims (not set aside) and claims with a verdict."""

    source: Source
    articles: int
    claims: int
    published: int


def _summaries(where: sa.ColumnElement[bool] | None = None):
    """Select each source with its counts, busiest first."""
    visible = Claim.status.not_in([ClaimStatus.NOT_CLAIM, ClaimStatus.MERGED])
    claims = (
        select(
            Article.source_id,
            sa.func.count(sa.distinct(Article.id)).label("articles"),
            sa.func.count(Claim.id).filter(visible).label("claims"),
            sa.func.count(Claim.id).filter(Claim.status == ClaimStatus.PUBLISHED).label("done"),
        )
        .outerjoin(Claim, Claim.article_id == Article.id)
        .group_by(Article.source_id)
        .subquery()
    )
    query = select(
        Source,
        sa.func.coalesce(claims.c.articles, 0),
        sa.func.coalesce(claims.c.claims, 0),
        sa.func.coalesce(claims.c.done, 0),
    ).outerjoin(claims, claims.c.source_id == Source.id)
    if where is not None:
        query = query.where(where)
    return query.order_by(sa.func.coalesce(claims.c.articles, 0).desc(), Source.name)


def list_sources(session: Session) -> list[SourceSummary]:
    """Return every source with its counts, those with most articles first."""
    return [SourceSummary(*row) for row in session.exec(_summaries())]


def get_source(session: Session, source_id: int) -> SourceSummary:
    """Return one source with its counts, or raise NotFound."""
    get_or_404(session, Source, source_id)
    return SourceSummary(*session.exec(_summaries(Source.id == source_id)).one())
