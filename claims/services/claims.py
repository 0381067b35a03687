"""Reading claims: one claim with its context, and the review queue."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from claims.errors import N_, Message
from claims.models import Article, Claim, Source, Verdict
from claims.schemas import ClaimFilters
from claims.search.index import vector_of
from claims.services.links import apply_filters, current_verdicts
from claims.services.rows import get_or_404
from claims.text.checkworthiness import explain
from claims.text.cwmodel import CheckworthinessModel


@dataclass(frozen=True, slots=True)
class ClaimContext:
    """A claim with its article, source and current verdict."""

    claim: Claim
    article: Article
    source: Source
    verdict: Verdict | None


def get_claim(session: Session, claim_id: int) -> ClaimContext:
    """Return a claim with its context, or raise NotFound."""
    claim = get_or_404(session, Claim, claim_id)
    article = session.get(Article, claim.article_id)
    source = session.get(Source, article.source_id)
    verdict = current_verdicts(session, [claim_id]).get(claim_id)
    return ClaimContext(claim, article, source, verdict)


def review_queue(
    session: Session, filters: ClaimFilters, page: int, per_page: int
) -> tuple[list[ClaimContext], int]:
    """Return one page of claims, most check-worthy first, and the total matching."""
    base = apply_filters(
        select(Claim, Article, Source)
        .join(Article, Claim.article_id == Article.id)
        .join(Source, Article.source_id == Source.id),
        filters,
    )
    total = session.exec(select(sa.func.count()).select_from(base.subquery())).one()
    query = (
        base.order_by(Claim.checkworthiness.desc(), Claim.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows = list(session.exec(query))
    verdicts = current_verdicts(session, [claim.id for claim, _, _ in rows])
    return [ClaimContext(c, a, s, verdicts.get(c.id)) for c, a, s in rows], int(total)


def _queue_rows(filters: ClaimFilters):
    """Select the ids of the claims a queue with these filters lists."""
    return apply_filters(
        select(Claim.id)
        .join(Article, Claim.article_id == Article.id)
        .join(Source, Article.source_id == Source.id),
        filters,
    )


def neighbours(session: Session, claim: Claim, filters: ClaimFilters) -> tuple[int | None, ...]:
    """Return the claims before and after this one in the queue's order (None at either end).

    The claim itself need not match the filters any more (a verdict just published it): its
    place in the order still says which claims come next.
    """
    score, rows = claim.checkworthiness, _queue_rows(filters).where(Claim.id != claim.id)
    later = sa.or_(
        Claim.checkworthiness < score, sa.and_(Claim.checkworthiness == score, Claim.id > claim.id)
    )
    earlier = sa.or_(
        Claim.checkworthiness > score, sa.and_(Claim.checkworthiness == score, Claim.id < claim.id)
    )
    previous = rows.where(earlier).order_by(Claim.checkworthiness.asc(), Claim.id.desc())
    following = rows.where(later).order_by(Claim.checkworthiness.desc(), Claim.id)
    return session.exec(previous.limit(1)).first(), session.exec(following.limit(1)).first()


def source_names(session: Session) -> list[str]:
    """Return every source name, for filter menus."""
    return list(session.exec(select(Source.name).order_by(Source.name)))


def language_codes(session: Session) -> list[str]:
    """Return the languages claims are in, for filter menus."""
    return list(session.exec(select(Claim.language).distinct().order_by(Claim.language)))


def filter_choices(session: Session) -> dict[str, list[str]]:
    """Return what the filter menus offer: every source and every claim language."""
    return {"sources": source_names(session), "languages": language_codes(session)}


def checkworthiness_reasons(claim: Claim, model: CheckworthinessModel | None) -> list[Message]:
    """Say why a claim scored as it did: the learned model's view, then the signals that fired."""
    reasons = [Message(label) for label in explain(claim.text, claim.language)]
    if model is None or not claim.embedding or claim.embedding_model != model.model_name:
        return reasons
    vector = vector_of(claim).reshape(1, -1)
    probability = float(model.predict_proba(vector, [claim.text], [claim.language])[0])
    if probability >= model.threshold:
        learned = N_("worded like claims fact-checkers chose to check (%(p)s)")
        reasons.insert(0, Message(learned, p=f"{probability:.2f}"))
    return reasons
