"""The review workflow: status changes, assignment and the comment thread."""

from __future__ import annotations

from sqlmodel import Session, select

from claims.errors import InvalidInput, NotFound
from claims.models import Claim, Comment, User
from claims.search.index import ClaimIndex
from claims.services import audit
from claims.services.versions import bump, claim_state

# Which status changes a reviewer may make by hand; "published" comes only from a verdict.
TRANSITIONS = {
    "unreviewed": {"in_review", "not_claim"},
    "in_review": {"unreviewed", "not_claim"},
    "published": {"in_review"},
    "not_claim": {"unreviewed"},
}
MAX_COMMENT = 10_000


def get_claim_row(session: Session, claim_id: int) -> Claim:
    """Return a claim or raise NotFound."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"There is no claim with id {claim_id}.")
    return claim


def set_status(
    session: Session,
    index: ClaimIndex,
    claim_id: int,
    status: str,
    actor: str,
    expected: int | None,
) -> Claim:
    """Move a claim along the workflow; "not a claim" takes it out of the index after commit."""
    claim = get_claim_row(session, claim_id)
    allowed = TRANSITIONS.get(claim.status, set())
    if status not in allowed:
        options = ", ".join(sorted(allowed)) or "none"
        current = claim.status.replace("_", " ")
        raise InvalidInput(
            f"This claim is {current}; it cannot become {status}. Allowed: {options}."
        )
    before = claim_state(claim)
    bump(session, claim, expected)
    claim.status = status
    session.add(claim)
    audit.record(
        session,
        actor,
        f"claim.{status}",
        "claim",
        claim.id,
        before=before,
        after=claim_state(claim),
        claim_id=claim.id,
    )
    session.commit()
    if status == "not_claim":
        index.remove(session, [claim.id])
    elif before["status"] == "not_claim":
        index.add(session, [claim])
    return claim


def assign(
    session: Session, claim_id: int, assignee: str | None, actor: str, expected: int | None
) -> Claim:
    """Assign a claim to a reviewer (or nobody); an unreviewed claim goes into review."""
    claim = get_claim_row(session, claim_id)
    name = (assignee or "").strip().lower() or None
    if name is not None:
        user = session.exec(select(User).where(User.username == name)).first()
        if user is None or not user.active or user.role == "viewer":
            raise InvalidInput(f"{name!r} is not an active reviewer or admin.")
    before = claim_state(claim)
    bump(session, claim, expected)
    claim.assignee = name
    if name and claim.status == "unreviewed":
        claim.status = "in_review"
    session.add(claim)
    audit.record(
        session,
        actor,
        "claim.assign",
        "claim",
        claim.id,
        before=before,
        after=claim_state(claim),
        claim_id=claim.id,
    )
    session.commit()
    return claim


def add_comment(session: Session, claim_id: int, body: str, actor: str) -> Comment:
    """Add a comment to a claim's thread."""
    get_claim_row(session, claim_id)
    text = body.strip()
    if not text:
        raise InvalidInput("The comment is empty.")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"A comment has at most {MAX_COMMENT:,} characters.")
    comment = Comment(claim_id=claim_id, author=actor, body=text)
    session.add(comment)
    session.flush()
    audit.record(
        session,
        actor,
        "comment.create",
        "comment",
        comment.id,
        after={"body": text[:200]},
        claim_id=claim_id,
    )
    session.commit()
    return comment


def comments(session: Session, claim_id: int) -> list[Comment]:
    """Return a claim's comments, oldest first (a conversation reads downwards)."""
    query = select(Comment).where(Comment.claim_id == claim_id).order_by(Comment.id)
    return list(session.exec(query))


def reviewers(session: Session) -> list[str]:
    """Return the usernames a claim can be assigned to."""
    query = select(User.username).where(User.active, User.role != "viewer").order_by(User.username)
    return list(session.exec(query))
