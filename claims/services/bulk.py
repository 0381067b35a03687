"""One action on many claims at once, each claim changed (and audited) on its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from claims.errors import N_, ClaimsError, InvalidInput
from claims.models import ClaimStatus
from claims.search.index import ClaimIndex
from claims.services.workflow import assign, set_status

MAX_BULK = 500
ACTIONS = ("assign", "status", "not_claim")


@dataclass
class BulkOutcome:
    """Which claims changed, and which were left as they were, with the reason."""

    done: list[int] = field(default_factory=list)
    skipped: dict[int, ClaimsError] = field(default_factory=dict)


def _claim_ids(values: list[object]) -> list[int]:
    """Return the distinct claim ids asked for, in order, or raise InvalidInput."""
    ids = list(dict.fromkeys(v for v in values if isinstance(v, int) and v > 0))
    if not ids:
        raise InvalidInput(N_("Tick at least one claim first."))
    if len(ids) > MAX_BULK:
        raise InvalidInput(N_("At most %(most)s claims can be changed at once."), most=MAX_BULK)
    return ids


def apply_bulk(
    session: Session,
    index: ClaimIndex,
    claim_ids: list[object],
    action: str,
    value: str | None,
    actor: str,
) -> BulkOutcome:
    """Assign, move or set aside each claim; one that cannot take the change is skipped."""
    if action not in ACTIONS:
        raise InvalidInput(
            N_("Unknown action %(action)r; use one of: %(actions)s."),
            action=action,
            actions=", ".join(ACTIONS),
        )
    if action == "status" and value not in set(ClaimStatus):
        raise InvalidInput(
            N_("Choose the status to set: one of %(statuses)s."), statuses=", ".join(ClaimStatus)
        )
    outcome = BulkOutcome()
    for claim_id in _claim_ids(claim_ids):
        try:
            if action == "assign":
                assign(session, claim_id, value, actor, None)
            else:
                status = ClaimStatus.NOT_CLAIM if action == "not_claim" else value
                set_status(session, index, claim_id, status, actor, None)
        except ClaimsError as exc:
            session.rollback()
            outcome.skipped[claim_id] = exc
        else:
            outcome.done.append(claim_id)
    return outcome
