"""Recording verdicts (append-only) and reading their history."""

from __future__ import annotations

from sqlmodel import Session, select

from claims.errors import NotFound
from claims.models import Claim, Verdict
from claims.schemas import VerdictIn


def record_verdict(session: Session, claim_id: int, data: VerdictIn) -> Verdict:
    """Append a verdict to a claim and mark the claim published, in one transaction."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"There is no claim with id {claim_id}.")
    verdict = Verdict(
        claim_id=claim_id,
        rating=data.rating,
        explanation=data.explanation,
        evidence_urls="\n".join(data.evidence_urls),
        reviewer=data.reviewer,
    )
    claim.status = "published"
    session.add_all([verdict, claim])
    session.commit()
    return verdict


def verdict_history(session: Session, claim_id: int) -> list[Verdict]:
    """Return every verdict on a claim, newest first."""
    if session.get(Claim, claim_id) is None:
        raise NotFound(f"There is no claim with id {claim_id}.")
    query = select(Verdict).where(Verdict.claim_id == claim_id).order_by(Verdict.id.desc())
    return list(session.exec(query))
