"""Recording verdicts (append-only), reusing one from a confirmed duplicate, and the history."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from claims.errors import N_, ClaimsError, InvalidInput, Message
from claims.models import (
    HIDDEN_STATUSES,
    STATUS_LABELS,
    Claim,
    ClaimLink,
    ClaimStatus,
    LinkState,
    Verdict,
)
from claims.schemas import VerdictIn
from claims.services.rows import get_or_404
from claims.services.versions import record_change, start_change
from claims.text.mutation import Difference, describe, differences, differences_message


class DifferentFacts(ClaimsError):
    """The matching claim states other figures, dates or names: its verdict may not hold."""

    status = 409
    code = "different_facts"

    def __init__(self, found: list[Difference]) -> None:
        super().__init__(
            N_(
                "%(differences)s The verdict on the matching claim may not hold for this one: "
                "give a reason to apply it anyway."
            ),
            differences=differences_message(found),
        )
        self.differences = found

    @property
    def details(self) -> dict[str, Any]:
        """The differing facts, as the API lists them for a link."""
        return {"differences": [difference_json(d) for d in self.differences]}


def difference_json(difference: Difference) -> dict[str, str]:
    """One differing fact: its kind, as written in this claim and in the other."""
    return {"kind": difference.kind, "this": difference.left, "other": difference.right}


def _append(
    session: Session,
    claim: Claim,
    verdict: Verdict,
    actor: str,
    expected: int | None,
    action: str,
    **extra: Any,
) -> Verdict:
    """Store a verdict, publish the claim and audit it, in one transaction."""
    before = start_change(session, claim, expected)
    claim.status = ClaimStatus.PUBLISHED
    session.add(verdict)
    session.flush()
    about = ("verdict", verdict.id)
    extra = {"rating": verdict.rating, "verdict_id": verdict.id, **extra}
    record_change(session, actor, action, claim, before, about=about, **extra)
    session.commit()
    return verdict


def _open_claim(session: Session, claim_id: int) -> Claim:
    """Return a claim that can take a verdict (not set aside), or raise."""
    claim = get_or_404(session, Claim, claim_id)
    if claim.status in HIDDEN_STATUSES:
        state = Message(STATUS_LABELS[claim.status])
        raise InvalidInput(N_("This claim is marked %(state)s; restore it first."), state=state)
    return claim


def record_verdict(session: Session, claim_id: int, data: VerdictIn, actor: str) -> Verdict:
    """Append a verdict by `actor`; refused if the claim changed since `data.version`."""
    claim = _open_claim(session, claim_id)
    verdict = Verdict(
        claim_id=claim_id,
        rating=data.rating,
        explanation=data.explanation,
        evidence_urls="\n".join(data.evidence_urls),
        reviewer=actor,
    )
    return _append(session, claim, verdict, actor, data.version, "verdict.create")


def confirmed_partners(session: Session, claim_id: int) -> set[int]:
    """Return the claims linked to this one by a confirmed link."""
    query = select(ClaimLink.claim_a_id, ClaimLink.claim_b_id).where(
        ClaimLink.state == LinkState.CONFIRMED,
        sa.or_(ClaimLink.claim_a_id == claim_id, ClaimLink.claim_b_id == claim_id),
    )
    return {b if a == claim_id else a for a, b in session.exec(query)}


def reuse_verdict(
    session: Session,
    claim_id: int,
    verdict_id: int,
    actor: str,
    expected: int | None,
    override: str | None = None,
) -> Verdict:
    """Apply a confirmed duplicate's verdict to this claim, recorded as a reuse.

    When the two claims state different facts the reuse is refused (DifferentFacts) unless
    the reviewer gives a reason to override, which the audit log keeps with the differences.
    """
    claim = _open_claim(session, claim_id)
    source = session.get(Verdict, verdict_id)
    if source is None or source.claim_id not in confirmed_partners(session, claim_id):
        raise InvalidInput(
            N_("Only a verdict on a confirmed near-duplicate of this claim can be reused.")
        )
    other = session.get(Claim, source.claim_id)
    found = differences(claim.text, other.text, claim.language, other.language)
    reason = (override or "").strip()
    if found and not reason:
        raise DifferentFacts(found)
    verdict = Verdict(
        claim_id=claim_id,
        rating=source.rating,
        explanation=source.explanation,
        evidence_urls=source.evidence_urls,
        reviewer=actor,
        reused_from_id=source.id,
    )
    extra = {"override_reason": reason, "differences": describe(found)} if found else {}
    return _append(session, claim, verdict, actor, expected, "verdict.reuse", **extra)


def verdict_history(session: Session, claim_id: int) -> list[Verdict]:
    """Return every verdict on a claim, newest first."""
    get_or_404(session, Claim, claim_id)
    query = select(Verdict).where(Verdict.claim_id == claim_id).order_by(Verdict.id.desc())
    return list(session.exec(query))
