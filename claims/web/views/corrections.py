"""Correcting the extraction from the article page: edit, add, split, merge; deleting articles."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _

from claims.errors import N_, ClaimsError, InvalidInput
from claims.models import Claim, Role
from claims.services.articles import delete_article
from claims.services.corrections import add_claim, edit_wording, merge_claims, split_claim
from claims.services.rows import get_or_404
from claims.web.auth import actor, require_role
from claims.web.extensions import fresh_index, get_session, services
from claims.web.helpers import claim_ids, expected_version, int_arg, match_thresholds
from claims.web.i18n import translated
from claims.web.views.articles import article_page

bp = Blueprint("corrections", __name__)


def _tools() -> dict:
    """Return the collaborators and settings every correction needs."""
    return {
        "embedder": services().embedder,
        "index": fresh_index(),
        "threshold": match_thresholds().suggest,
    }


def _to_article(article_id: int, anchor: str = ""):
    """Go back to the article page."""
    return redirect(url_for("articles.show", article_id=article_id) + anchor)


def _refused(article_id: int, exc: ClaimsError):
    """Re-show the article page with the refusal."""
    return article_page(article_id, error=translated(exc)), exc.status


@bp.post("/articles/<id:article_id>/claims")
@require_role(Role.REVIEWER)
def add(article_id: int):
    """Make a claim of the passage selected in the article."""
    try:
        start = int_arg(request.form, "start", -1, 0, 10**9)
        end = int_arg(request.form, "end", -1, 0, 10**9)
        if start < 0 or end < 0:
            raise InvalidInput(N_("Select a passage of the article first."))
        claim = add_claim(
            get_session(), article_id=article_id, start=start, end=end, actor=actor(), **_tools()
        )
    except ClaimsError as exc:
        return _refused(article_id, exc)
    flash(_("Claim added."))
    return _to_article(article_id, f"#claim-{claim.id}")


def _correct(claim_id: int, change: Callable[[], object], done: str):
    """Correct one claim, then go back to it on its article page, or re-show the refusal."""
    article_id = get_or_404(get_session(), Claim, claim_id).article_id
    try:
        change()
    except ClaimsError as exc:
        return _refused(article_id, exc)
    flash(done)
    return _to_article(article_id, f"#claim-{claim_id}")


@bp.post("/claims/<id:claim_id>/text")
@require_role(Role.REVIEWER)
def edit(claim_id: int):
    """Reword a claim."""

    def change() -> None:
        text, expected = request.form.get("text", ""), expected_version(request.form)
        edit_wording(
            get_session(),
            claim_id=claim_id,
            text=text,
            actor=actor(),
            expected=expected,
            **_tools(),
        )

    return _correct(claim_id, change, _("Claim reworded; its matches were refreshed."))


@bp.post("/claims/<id:claim_id>/split")
@require_role(Role.REVIEWER)
def split(claim_id: int):
    """Split a claim in two at the selected point."""

    def change() -> None:
        at = int_arg(request.form, "at", -1, 0, 10**9)
        expected = expected_version(request.form)
        split_claim(
            get_session(), claim_id=claim_id, at=at, actor=actor(), expected=expected, **_tools()
        )

    return _correct(claim_id, change, _("Claim split in two."))


@bp.post("/articles/<id:article_id>/merge")
@require_role(Role.REVIEWER)
def merge(article_id: int):
    """Merge the two claims ticked on the article page."""
    try:
        ids = claim_ids(request.form.getlist("claim_ids"))
        if len(ids) != 2:
            raise InvalidInput(N_("Tick exactly two claims to merge."))
        session = get_session()
        if any(get_or_404(session, Claim, i).article_id != article_id for i in ids):
            raise InvalidInput(N_("Both claims must belong to this article."))
        claim = merge_claims(
            get_session(),
            claim_id=ids[0],
            other_id=ids[1],
            actor=actor(),
            expected=None,
            **_tools(),
        )
    except ClaimsError as exc:
        return _refused(article_id, exc)
    flash(_("Claims merged."))
    return _to_article(article_id, f"#claim-{claim.id}")


@bp.post("/articles/<id:article_id>/delete")
@require_role(Role.ADMIN)
def delete(article_id: int):
    """Delete an article and everything hanging off it."""
    delete_article(get_session(), fresh_index(), article_id, actor())
    flash(_("Article deleted."))
    return redirect(url_for("articles.index"))
