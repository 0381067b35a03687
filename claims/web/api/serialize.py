"""Plain-JSON views of the models for the API."""

from __future__ import annotations

from typing import Any

from claims.models import Article, Claim, Source, Verdict
from claims.ratings import BY_KEY
from claims.services.claims import ClaimContext, checkworthiness_reasons
from claims.services.links import SimilarClaim
from claims.web.extensions import services


def article_json(article: Article, source: Source | None = None) -> dict[str, Any]:
    """Serialise an article (without its body when listing)."""
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
    if source is not None:
        data["source"] = source.name
    return data


def claim_json(claim: Claim) -> dict[str, Any]:
    """Serialise a claim."""
    return {
        "id": claim.id,
        "article_id": claim.article_id,
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "checkworthiness": claim.checkworthiness,
        "checkworthiness_reasons": checkworthiness_reasons(claim, services().checkworthiness),
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
        "differences": [
            {"kind": d.kind, "this": d.left, "other": d.right} for d in item.differences
        ],
    }
    if item.link is not None:
        data["link"] = {"id": item.link.id, "state": item.link.state}
    return data
