"""The search change log: what changed for search, in commit order, written with the change.

Every index is a projection of this log: a snapshot tagged with the last change it holds, plus
the changes after it. The rows only name claims; applying one reads the claim's current row.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session, select

from claims.models import SearchChange, utcnow

# Any fixed 64-bit number: the PostgreSQL advisory lock that orders appends to the log.
LOG_LOCK = 0x636C61696D73


def log_changes(session: Session, claim_ids: Iterable[int], action: str) -> None:
    """Append one change per claim to the log, in the caller's transaction.

    Ids must follow commit order, or a reader could pass an id whose transaction commits later.
    SQLite has one writer at a time; on PostgreSQL a transaction-scoped advisory lock makes
    appends take turns until commit, so call this last, just before committing.
    """
    rows = [
        {"claim_id": claim_id, "action": action, "created_at": utcnow()} for claim_id in claim_ids
    ]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOG_LOCK})
    session.execute(sa.insert(SearchChange), rows)


def changes_after(session: Session, position: int, limit: int) -> list[tuple[int, int]]:
    """Return up to `limit` (change id, claim id) pairs after a position, oldest first."""
    query = (
        select(SearchChange.id, SearchChange.claim_id)
        .where(SearchChange.id > position)
        .order_by(SearchChange.id)
        .limit(limit)
    )
    return [(int(change), int(claim)) for change, claim in session.exec(query)]


def last_change(session: Session) -> int:
    """Return the newest change's number (0 for an empty log)."""
    return int(session.exec(select(sa.func.coalesce(sa.func.max(SearchChange.id), 0))).one())
