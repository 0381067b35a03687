"""The audit trail: every change, with who made it, when, and the state before and after."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from claims.models import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    claim_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry to the session; it commits with the change it describes."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        claim_id=claim_id,
        before=_dump(before),
        after=_dump(after),
    )
    session.add(entry)
    return entry


def _dump(state: dict[str, Any] | None) -> str | None:
    """Serialise a state snapshot as JSON text."""
    return None if state is None else json.dumps(state, ensure_ascii=False, default=str)


def load(text: str | None) -> dict[str, Any]:
    """Parse a stored snapshot (empty when there is none)."""
    return json.loads(text) if text else {}


def claim_trail(session: Session, claim_id: int) -> list[AuditEntry]:
    """Return a claim's audit entries, newest first."""
    query = select(AuditEntry).where(AuditEntry.claim_id == claim_id).order_by(AuditEntry.id.desc())
    return list(session.exec(query))


def recent(
    session: Session, page: int, per_page: int, actor: str | None = None
) -> list[AuditEntry]:
    """Return one page of the whole trail, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if actor:
        query = query.where(AuditEntry.actor == actor)
    return list(session.exec(query.offset((page - 1) * per_page).limit(per_page)))
