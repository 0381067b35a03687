"""Optimistic concurrency on claims: each change bumps Claim.version; stale saves are refused."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from claims.errors import ClaimsError
from claims.models import AuditEntry, Claim
from claims.services import audit

# Bookkeeping fields that say nothing to a reviewer.
HIDDEN = frozenset({"version", "verdict_id"})


class Conflict(ClaimsError):
    """Someone else changed the claim since the user loaded it."""

    status = 409
    code = "conflict"


def claim_state(claim: Claim) -> dict[str, Any]:
    """Snapshot the fields of a claim that reviewers change."""
    return {
        "text": claim.text,
        "status": claim.status,
        "assignee": claim.assignee,
        "start": claim.start,
        "end": claim.end,
        "version": claim.version,
    }


def start_change(session: Session, claim: Claim, expected: int | None) -> dict[str, Any]:
    """Snapshot a claim before a change and move it to its next version (see bump)."""
    before = claim_state(claim)
    bump(session, claim, expected)
    return before


def record_change(
    session: Session,
    actor: str,
    action: str,
    claim: Claim,
    before: dict[str, Any] | None,
    *,
    about: tuple[str, int] | None = None,
    **after: Any,
) -> None:
    """Audit a change to a claim: its state before and after, plus what else the change made.

    `about` names the record the change created when it is not the claim (a verdict); the
    entry commits with the change, in the caller's transaction.
    """
    session.add(claim)
    entity, entity_id = about or ("claim", claim.id)
    audit.record(
        session,
        actor,
        action,
        entity,
        entity_id,
        before=before,
        after={**claim_state(claim), **after},
        claim_id=claim.id,
    )


def changes_since(session: Session, claim_id: int, version: int) -> str:
    """Describe, newest first, the audited changes made after a version."""
    entries = session.exec(
        select(AuditEntry).where(AuditEntry.claim_id == claim_id).order_by(AuditEntry.id.desc())
    )
    lines = []
    for entry in entries:
        before, after = audit.load(entry.before), audit.load(entry.after)
        if "version" not in after:
            continue  # comments and link decisions do not move the claim's version
        if after["version"] <= version:
            break
        changed = {k: v for k, v in after.items() if before.get(k) != v and k not in HIDDEN}
        detail = ", ".join(f"{k}: {v}" for k, v in changed.items())
        when = entry.created_at.strftime("%H:%M:%S UTC")
        lines.append(f"{entry.actor} — {entry.action} at {when} ({detail})")
    return "; ".join(lines) or "a change by someone else"


def bump(session: Session, claim: Claim, expected: int | None) -> None:
    """Move the claim to its next version, or raise Conflict if it moved since `expected`.

    The compare-and-set UPDATE also catches a writer who committed between our read and now.
    """
    current = claim.version
    if expected is not None and expected != current:
        raise _conflict(session, claim.id, expected)
    result = session.execute(
        sa.update(Claim)
        .where(Claim.id == claim.id, Claim.version == current)
        .values(version=current + 1)
    )
    if result.rowcount != 1:
        session.rollback()
        raise _conflict(session, claim.id, current)
    set_committed_value(claim, "version", current + 1)


def _conflict(session: Session, claim_id: int, version: int) -> Conflict:
    """Build the refusal, saying what changed."""
    return Conflict(
        "This claim changed after you opened it, so your change was not saved. "
        f"Since then: {changes_since(session, claim_id, version)}. "
        "Reload the page, check the new state, and try again."
    )
