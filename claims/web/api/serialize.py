"""Plain-JSON views of the models for the API."""

from __future__ import annotations

from typing import Any

from claims.models import Article, Claim, Source, Verdict
from claims.ratings import BY_KEY, already_checked, rating_label
from claims.services.claims import ClaimContext, checkworthiness_reasons
from claims.services.links import SimilarClaim
from claims.services.sources import SourceSummary
from claims.services.verdicts import difference_json
from claims.web.extensions import get_session, services


def article_json(article: Article, source: Source | None = None) -> dict[str, Any]:
    """Serialise an article (without its body when listing), naming its source."""
    source = source or get_session().get(Source, article.source_id)
    data = {
        "id": article.id,
        "title": article.title,
        "author": article.author,
        "url": article.url,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "language": article.language,
        "source_id": article.source_id,
        "created_at": article.created_at.isoformat(timespec="seconds"),
    }
    data["source"] = source.name
    return data


def source_json(summary: SourceSummary) -> dict[str, Any]:
    """Serialise a source with its counts."""
    source = summary.source
    return {
        "id": source.id,
        "name": source.name,
        "domain": source.domain,
        "language": source.language,
        "articles": summary.articles,
        "claims": summary.claims,
        "published": summary.published,
    }


def claim_json(claim: Claim) -> dict[str, Any]:
    """Serialise a claim."""
    return {
        "id": claim.id,
        "article_id": claim.article_id,
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "checkworthiness": claim.checkworthiness,
        "checkworthiness_reasons": [
            str(reason) for reason in checkworthiness_reasons(claim, services().checkworthiness)
        ],
        "speaker": claim.speaker,
        "language": claim.language,
        "status": claim.status,
        "assignee": claim.assignee,
        "version": claim.version,
    }


def verdict_json(verdict: Verdict | None) -> dict[str, Any] | None:
    """Serialise a verdict with its ClaimReview mapping."""
    if verdict is None:
        return None
    rating = BY_KEY[verdict.rating]
    return {
        "id": verdict.id,
        "claim_id": verdict.claim_id,
        "rating": verdict.rating,
        "alternate_name": rating.alternate_name,
        "rating_value": rating.rating_value,
        "explanation": verdict.explanation,
        "evidence_urls": verdict.evidence,
        "reviewer": verdict.reviewer,
        "reused_from_id": verdict.reused_from_id,
        "created_at": verdict.created_at.isoformat(timespec="seconds"),
        "published": _published(verdict),
    }


def _published(verdict: Verdict) -> dict[str, Any] | None:
    """Another organisation's fact-check as it published it (None for the desk's verdicts)."""
    if not verdict.organisation:
        return None
    return {
        "organisation": verdict.organisation,
        "url": verdict.review_url,
        "reviewed_at": verdict.reviewed_at.isoformat() if verdict.reviewed_at else None,
        "rating_name": verdict.rating_name,
        "rating_value": verdict.rating_value,
        "best_rating": verdict.best_rating,
        "worst_rating": verdict.worst_rating,
    }


def context_json(ctx: ClaimContext) -> dict[str, Any]:
    """Serialise a claim with its article and current verdict."""
    return {
        **claim_json(ctx.claim),
        "article": article_json(ctx.article, ctx.source),
        "verdict": verdict_json(ctx.verdict),
    }


def similar_json(item: SimilarClaim) -> dict[str, Any]:
    """Serialise a match with its article and verdict."""
    data = {
        "claim": claim_json(item.claim),
        "score": round(item.score, 4),
        "article": article_json(item.article, item.source),
        "verdict": verdict_json(item.verdict),
        "relation": item.relation,
        "differences": [difference_json(d) for d in item.differences],
    }
    if item.link is not None:
        data["link"] = {"id": item.link.id, "state": item.link.state}
    data["prior_check"] = prior_check_json(item.verdict)
    return data


def prior_check_json(verdict: Verdict | None) -> dict[str, Any] | None:
    """Describe a verdict another organisation published (None for the desk's own)."""
    if verdict is None or not verdict.organisation:
        return None
    when = verdict.reviewed_at.isoformat() if verdict.reviewed_at else None
    rating = verdict.rating_name or rating_label(verdict.rating)
    return {
        "organisation": verdict.organisation,
        "reviewed_at": when,
        "rating": verdict.rating,
        "rating_name": verdict.rating_name,
        "url": verdict.review_url,
        "text": str(already_checked(verdict.organisation, when, rating)),
    }
