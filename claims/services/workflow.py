"""The review workflow: status changes, assignment and the comment thread."""

from __future__ import annotations

from sqlmodel import Session, select

from claims.errors import N_, InvalidInput, Message
from claims.models import STATUS_LABELS, Claim, ClaimStatus, Comment, Role, User
from claims.search.changes import log_changes
from claims.search.index import ClaimIndex
from claims.services import audit
from claims.services.rows import get_or_404
from claims.services.versions import record_change, start_change

# Which status changes a reviewer may make by hand; "published" comes only from a verdict.
TRANSITIONS = {
    ClaimStatus.UNREVIEWED: {ClaimStatus.IN_REVIEW, ClaimStatus.NOT_CLAIM},
    ClaimStatus.IN_REVIEW: {ClaimStatus.UNREVIEWED, ClaimStatus.NOT_CLAIM},
    ClaimStatus.PUBLISHED: {ClaimStatus.IN_REVIEW},
    ClaimStatus.NOT_CLAIM: {ClaimStatus.UNREVIEWED},
}
MAX_COMMENT = 10_000


def set_status(
    session: Session,
    index: ClaimIndex,
    claim_id: int,
    status: str,
    actor: str,
    expected: int | None,
) -> Claim:
    """Move a claim along the workflow; "not a claim" takes it out of the index after commit."""
    claim = get_or_404(session, Claim, claim_id)
    allowed = TRANSITIONS.get(claim.status, set())
    if status not in allowed:
        raise InvalidInput(
            N_("This claim is %(current)s; it cannot become %(status)s. Allowed: %(options)s."),
            current=Message(STATUS_LABELS[claim.status]),
            status=status,
            options=", ".join(sorted(allowed)) or Message(N_("none")),
        )
    before = start_change(session, claim, expected)
    claim.status = status
    record_change(session, actor, f"claim.{status}", claim, before)
    # Setting a claim aside, or restoring it, changes what search and matching find.
    hidden = ClaimStatus.NOT_CLAIM in (status, before["status"])
    if hidden:
        log_changes(session, [claim.id], f"status.{status}")
    session.commit()
    if hidden:
        index.catch_up(session)
    return claim


def assign(
    session: Session, claim_id: int, assignee: str | None, actor: str, expected: int | None
) -> Claim:
    """Assign a claim to a reviewer (or nobody); an unreviewed claim goes into review."""
    claim = get_or_404(session, Claim, claim_id)
    name = (assignee or "").strip().lower() or None
    if name is not None:
        user = session.exec(select(User).where(User.username == name)).first()
        if user is None or not user.active or user.role == Role.VIEWER:
            raise InvalidInput(N_("%(name)r is not an active reviewer or admin."), name=name)
    before = start_change(session, claim, expected)
    claim.assignee = name
    if name and claim.status == ClaimStatus.UNREVIEWED:
        claim.status = ClaimStatus.IN_REVIEW
    record_change(session, actor, "claim.assign", claim, before)
    session.commit()
    return claim


def add_comment(session: Session, claim_id: int, body: str, actor: str) -> Comment:
    """Add a comment to a claim's thread."""
    get_or_404(session, Claim, claim_id)
    text = body.strip()
    if not text:
        raise InvalidInput(N_("The comment is empty."))
    if len(text) > MAX_COMMENT:
        raise InvalidInput(N_("A comment has at most %(n)s characters."), n=f"{MAX_COMMENT:,}")
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
    query = (
        select(User.username).where(User.active, User.role != Role.VIEWER).order_by(User.username)
    )
    return list(session.exec(query))
