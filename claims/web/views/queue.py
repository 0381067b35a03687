"""The review queue, the claim page and the review workflow (verdicts, links, status, comments)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as browser
from flask_babel import gettext as _
from flask_babel import ngettext

from claims.errors import ClaimsError
from claims.models import Claim, ClaimStatus, Role
from claims.ratings import SCALE
from claims.schemas import ClaimFilters, VerdictIn, parse
from claims.services.audit import claim_trail
from claims.services.bulk import apply_bulk
from claims.services.claims import (
    checkworthiness_reasons,
    filter_choices,
    get_claim,
    neighbours,
    review_queue,
)
from claims.services.links import decide_link, links_of
from claims.services.verdicts import record_verdict, reuse_verdict, verdict_history
from claims.services.versions import Conflict
from claims.services.workflow import (
    TRANSITIONS,
    add_comment,
    assign,
    comments,
    reviewers,
    set_status,
)
from claims.web.auth import actor, require_role
from claims.web.extensions import fresh_index, get_session, services
from claims.web.helpers import claim_ids, expected_version, filters_from, page_args, safe_next
from claims.web.highlight import segments
from claims.web.i18n import link_state, status_label, translated

bp = Blueprint("queue", __name__)
T = TypeVar("T")
# The browser session remembers the queue last shown: the claim page steps through it.
QUEUE_ARGS = "queue_args"
DEFAULT_QUEUE = {"status": ClaimStatus.UNREVIEWED.value}


def remembered_filters() -> ClaimFilters:
    """Return the filters of the queue this user last looked at (the default queue if none)."""
    try:
        return filters_from(browser.get(QUEUE_ARGS) or DEFAULT_QUEUE)
    except ClaimsError:
        return filters_from(DEFAULT_QUEUE)


@bp.get("/")
def home():
    """Send visitors to the review queue."""
    return redirect(url_for("queue.index"))


@bp.get("/claims")
def index():
    """List claims, most check-worthy first, narrowed by the filters."""
    db = get_session()
    args = request.args.to_dict()
    args.setdefault("status", ClaimStatus.UNREVIEWED)
    filters = filters_from(args)
    page, per_page = page_args(request.args)
    items, total = review_queue(db, filters, page, per_page)
    browser[QUEUE_ARGS] = {k: v for k, v in args.items() if k not in ("page", "per_page") and v}
    return render_template(
        "claims/index.html",
        items=items,
        total=total,
        page=page,
        per_page=per_page,
        filters=filters,
        status_choice=args["status"],
        assignee_choice=args.get("assignee", ""),
        reviewers=reviewers(db),
        **filter_choices(db),
    )


@bp.post("/claims/bulk")
@require_role(Role.REVIEWER)
def bulk():
    """Apply one action to the ticked claims, each audited on its own; then back to the queue."""
    action = request.form.get("action", "")
    value = request.form.get({"assign": "assignee", "status": "status"}.get(action, "value"))
    outcome = apply_bulk(
        get_session(),
        fresh_index(),
        claim_ids(request.form.getlist("claim_ids")),
        action,
        value,
        actor(),
    )
    count = len(outcome.done)
    flash(ngettext("%(num)d claim changed.", "%(num)d claims changed.", count))
    for claim_id, exc in outcome.skipped.items():
        flash(_("Claim %(id)s left as it was: %(reason)s", id=claim_id, reason=translated(exc)))
    return redirect(safe_next(request.form.get("next"), url_for("queue.index")))


def _claim_page(claim_id: int, error: str | None = None, form: dict | None = None):
    """Render the claim page, optionally with an error and the user's unsaved input."""
    db = get_session()
    context = get_claim(db, claim_id)
    return render_template(
        "claims/show.html",
        ctx=context,
        reasons=checkworthiness_reasons(context.claim, services().checkworthiness),
        segments=segments(context.article.body, [context.claim]),
        links=links_of(db, claim_id),
        history=verdict_history(db, claim_id),
        trail=claim_trail(db, claim_id),
        comments=comments(db, claim_id),
        reviewers=reviewers(db),
        transitions=sorted(TRANSITIONS.get(context.claim.status, ())),
        scale=SCALE,
        error=error,
        form=form or {},
        neighbours=neighbours(db, context.claim, remembered_filters()),
    )


@bp.get("/claims/<id:claim_id>")
def show(claim_id: int):
    """Show a claim in its article, its near-duplicates, workflow, verdict form and history."""
    return _claim_page(claim_id)


def _back(claim_id: int):
    """Return to where the form came from (the claim page by default), or on to the next claim."""
    if request.form.get("then") == "next":
        return redirect(_next_claim(claim_id))
    default = url_for("queue.show", claim_id=claim_id)
    return redirect(safe_next(request.form.get("next"), default))


def _next_claim(claim_id: int) -> str:
    """Return the address of the claim after this one in the remembered queue (or the queue)."""
    db = get_session()
    _previous, following = neighbours(db, db.get(Claim, claim_id), remembered_filters())
    if following is None:
        flash(_("That was the last claim in this queue."))
        return url_for("queue.index", **(browser.get(QUEUE_ARGS) or DEFAULT_QUEUE))
    return url_for("queue.show", claim_id=following)


def _refused(claim_id: int, exc: ClaimsError):
    """Re-show the claim page with the refusal and the user's input kept.

    After a conflict the form takes the current version: the user has now seen the change,
    so saving again is a deliberate decision.
    """
    form = request.form.to_dict()
    if isinstance(exc, Conflict):
        form.pop("version", None)
    return _claim_page(claim_id, error=translated(exc), form=form), exc.status


def _apply(claim_id: int, change: Callable[[], T], done: Callable[[T], str | None]):
    """Make one change to a claim, then go back with `done`'s message, or re-show the refusal."""
    try:
        result = change()
    except ClaimsError as exc:
        return _refused(claim_id, exc)
    if message := done(result):
        flash(message)
    return _back(claim_id)


@bp.post("/claims/<id:claim_id>/verdicts")
@require_role(Role.REVIEWER)
def add_verdict(claim_id: int):
    """Record a verdict from the form."""
    form = request.form.to_dict()
    return _apply(
        claim_id,
        lambda: record_verdict(get_session(), claim_id, parse(VerdictIn, form), actor()),
        lambda _result: _("Verdict recorded."),
    )


@bp.post("/claims/<id:claim_id>/verdicts/reuse")
@require_role(Role.REVIEWER)
def reuse(claim_id: int):
    """Apply the verdict of a confirmed near-duplicate."""
    verdict_id = request.form.get("verdict_id", type=int) or 0

    def change():
        expected, reason = expected_version(request.form), request.form.get("override_reason")
        return reuse_verdict(get_session(), claim_id, verdict_id, actor(), expected, reason)

    return _apply(claim_id, change, lambda _result: _("Verdict applied from the matching claim."))


@bp.post("/claims/<id:claim_id>/status")
@require_role(Role.REVIEWER)
def change_status(claim_id: int):
    """Move a claim along the workflow (in review, not a claim, back to unreviewed)."""
    status = request.form.get("status", "")

    def change():
        expected = expected_version(request.form)
        return set_status(get_session(), fresh_index(), claim_id, status, actor(), expected)

    return _apply(
        claim_id, change, lambda _result: _("Claim marked %(status)s.", status=status_label(status))
    )


@bp.post("/claims/<id:claim_id>/assign")
@require_role(Role.REVIEWER)
def change_assignee(claim_id: int):
    """Assign the claim to a reviewer, or to nobody."""
    assignee = request.form.get("assignee")

    def change():
        return assign(get_session(), claim_id, assignee, actor(), expected_version(request.form))

    return _apply(
        claim_id,
        change,
        lambda claim: (
            _("Assigned to %(name)s.", name=claim.assignee) if claim.assignee else _("Unassigned.")
        ),
    )


@bp.post("/claims/<id:claim_id>/comments")
@require_role(Role.REVIEWER)
def comment(claim_id: int):
    """Add to the claim's comment thread."""
    body = request.form.get("body", "")
    return _apply(
        claim_id, lambda: add_comment(get_session(), claim_id, body, actor()), lambda _result: None
    )


@bp.post("/links/<id:link_id>")
@require_role(Role.REVIEWER)
def decide(link_id: int):
    """Confirm or reject a suggested near-duplicate, then return to the claim."""
    link = decide_link(get_session(), link_id, request.form.get("state", ""), actor())
    flash(_("Link %(state)s.", state=link_state(link.state)))
    claim_id = request.form.get("claim_id", type=int) or link.claim_a_id
    return redirect(url_for("queue.show", claim_id=claim_id))
