"""The review queue, the claim page, verdicts and link decisions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from claims.checkworthiness import explain
from claims.db import get_session
from claims.errors import ClaimsError
from claims.highlight import segments
from claims.ratings import SCALE
from claims.schemas import VerdictIn, parse
from claims.services.articles import article_claims
from claims.services.claims import get_claim, language_codes, review_queue, source_names
from claims.services.links import decide_link, links_of
from claims.services.verdicts import record_verdict, verdict_history
from claims.web import filters_from, page_args

bp = Blueprint("queue", __name__)


@bp.get("/")
def home():
    """Send visitors to the review queue."""
    return redirect(url_for("queue.index"))


@bp.get("/claims")
def index():
    """List claims, most check-worthy first, narrowed by the filters."""
    db = get_session()
    args = request.args.to_dict()
    args.setdefault("status", "unreviewed")
    filters = filters_from(args)
    page, per_page = page_args(request.args)
    items, total = review_queue(db, filters, page, per_page)
    return render_template(
        "claims/index.html",
        items=items,
        total=total,
        page=page,
        per_page=per_page,
        filters=filters,
        sources=source_names(db),
        languages=language_codes(db),
    )


def _claim_page(claim_id: int, error: str | None = None, form: dict | None = None):
    """Render the claim page, optionally with a verdict form error."""
    db = get_session()
    context = get_claim(db, claim_id)
    in_article = [c for c in article_claims(db, context.article.id) if c.id == claim_id]
    return render_template(
        "claims/show.html",
        ctx=context,
        reasons=explain(context.claim.text, context.claim.language),
        segments=segments(context.article.body, in_article),
        links=links_of(db, claim_id),
        history=verdict_history(db, claim_id),
        scale=SCALE,
        error=error,
        form=form or {"reviewer": session.get("reviewer", "")},
    )


@bp.get("/claims/<id:claim_id>")
def show(claim_id: int):
    """Show a claim in its article, its near-duplicates, verdict form and history."""
    return _claim_page(claim_id)


@bp.post("/claims/<id:claim_id>/verdicts")
def add_verdict(claim_id: int):
    """Record a verdict from the form."""
    form = request.form.to_dict()
    try:
        record_verdict(get_session(), claim_id, parse(VerdictIn, form))
    except ClaimsError as exc:
        return _claim_page(claim_id, error=exc.message, form=form), exc.status
    session["reviewer"] = form.get("reviewer", "").strip()
    flash("Verdict recorded.")
    return redirect(url_for("queue.show", claim_id=claim_id))


@bp.post("/links/<id:link_id>")
def decide(link_id: int):
    """Confirm or reject a suggested near-duplicate, then return to the claim."""
    reviewer = request.form.get("reviewer", "")
    link = decide_link(get_session(), link_id, request.form.get("state", ""), reviewer)
    session["reviewer"] = reviewer.strip()
    flash(f"Link {link.state}.")
    claim_id = request.form.get("claim_id", type=int) or link.claim_a_id
    return redirect(url_for("queue.show", claim_id=claim_id))
