"""Fact-checks other organisations published (ClaimReview), stored as claims with verdicts.

Each review becomes an article (the fact-check: its address, its organisation as source) with
exactly one claim, the claim reviewed, whose verdict is the organisation's rating mapped onto
the app's scale, the original name and numbers kept. Near-duplicates then show it as
"Already checked by … on …".
"""

from __future__ import annotations

from sqlmodel import Session, select

from claims.intake.claimreview import PriorReview
from claims.models import Claim, ClaimStatus, Verdict
from claims.schemas import ArticleIn, parse
from claims.search.embedder import Embedder
from claims.search.index import ClaimIndex
from claims.services.articles import (
    IngestFailure,
    IngestResult,
    IngestSettings,
    Outcome,
    sort_articles,
    store_sorted,
    texts_to_embed,
)
from claims.services.versions import record_change, start_change
from claims.text.pipeline import PreparedArticle, prepare_whole


def _article(review: PriorReview) -> ArticleIn:
    """The fact-check as an article whose body is the claim it reviewed."""
    title = review.claim if len(review.claim) <= 500 else review.claim[:499] + "…"
    data = {"title": title, "source": review.organisation, "body": review.claim}
    data |= {"url": review.url, "published_at": review.reviewed_at, "language": review.language}
    return parse(ArticleIn, data)


def import_reviews(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    reviews: list[PriorReview],
    settings: IngestSettings,
) -> list[Outcome]:
    """Store each review's claim with the organisation's verdict; a known one is not doubled."""
    items = [_article(review) for review in reviews]
    speakers = {id(item): review.claimant for item, review in zip(items, reviews, strict=True)}

    def whole(body: str, data: ArticleIn) -> PreparedArticle:
        return prepare_whole(body, data.language, speakers.get(id(data)))

    batch = sort_articles(session, items, settings.max_chars, whole)
    vectors = embedder.encode(texts_to_embed(batch))
    outcomes = store_sorted(session, embedder.name, index, batch, vectors, settings)
    for review, outcome in zip(reviews, outcomes, strict=True):
        if isinstance(outcome, IngestResult) and outcome.claims:
            _record_verdict(session, outcome.claims[0], review, settings.actor)
    return outcomes


def _record_verdict(session: Session, claim: Claim, review: PriorReview, actor: str) -> None:
    """Give a claim the organisation's verdict, unless it already has this one."""
    claim = session.get(Claim, claim.id)
    same = select(Verdict.id).where(
        Verdict.claim_id == claim.id, Verdict.organisation == review.organisation
    )
    if session.exec(same).first() is not None:
        return
    before = start_change(session, claim, None)
    claim.status = ClaimStatus.PUBLISHED
    name = review.rating_name or review.rating
    verdict = Verdict(
        claim_id=claim.id,
        rating=review.rating,
        explanation=f"Rated “{name}” by {review.organisation}.",
        evidence_urls=review.url or "",
        reviewer=review.organisation,
        organisation=review.organisation,
        review_url=review.url,
        reviewed_at=review.reviewed_at,
        rating_name=review.rating_name,
        rating_value=review.rating_value,
        best_rating=review.best_rating,
        worst_rating=review.worst_rating,
    )
    session.add(verdict)
    session.flush()
    record_change(session, actor, "verdict.import", claim, before, about=("verdict", verdict.id))
    session.commit()


def failures(outcomes: list[Outcome]) -> list[IngestFailure]:
    """Return the reviews that could not be stored."""
    return [outcome for outcome in outcomes if isinstance(outcome, IngestFailure)]
