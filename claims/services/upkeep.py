"""Upkeep between requests: follow the log, finish pending links, write index snapshots."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from claims.search.index import ClaimIndex
from claims.services.calibration import Thresholds
from claims.services.links import link_pending

# Changes since the last snapshot before a new one is written: loading a snapshot and applying
# this many changes keeps a process's start under a few seconds.
SNAPSHOT_AFTER = 1_000
# Pending links younger than this are most likely still being done by their own request.
PENDING_AGE = 60.0


@dataclass(frozen=True, slots=True)
class Upkeep:
    """What one round of upkeep did."""

    applied: int
    linked: int
    snapshot: bool


def keep_up(
    session: Session,
    index: ClaimIndex,
    limits: Thresholds,
    *,
    snapshot_after: int = SNAPSHOT_AFTER,
    pending_age: float = PENDING_AGE,
) -> Upkeep:
    """Catch the index up, link what crashed requests left pending, and snapshot when due."""
    applied = index.ensure_fresh(session)
    linked = link_pending(session, index, None, limits.suggest, limits.auto_link, pending_age)
    behind = index.position - (index.snapshot_position or 0)
    snapshot = behind >= snapshot_after and index.write_snapshot()
    return Upkeep(applied, linked, snapshot)
