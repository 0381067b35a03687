"""The Feeds page: monitored RSS and Atom feeds, their schedule, counters and last error."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from claims.errors import N_, ClaimsError, InvalidInput
from claims.models import Role
from claims.services.feeds import add_feed, list_feeds, poll_feed, remove_feed, set_active
from claims.web.auth import actor, require_role
from claims.web.extensions import get_session
from claims.web.i18n import translated
from claims.web.queue import feed_poller

bp = Blueprint("feeds", __name__, url_prefix="/feeds")


def _page(form: dict | None = None, error: str | None = None, status: int = 200):
    """Render the feeds with the add form (kept as typed after an error)."""
    feeds = list_feeds(get_session())
    page = render_template("feeds/index.html", feeds=feeds, form=form or {}, error=error)
    return page, status


@bp.get("")
@require_role(Role.VIEWER)
def index():
    """List the feeds with their last and next poll, counters and last error."""
    return _page()


@bp.post("")
@require_role(Role.REVIEWER)
def create():
    """Add a feed from the form."""
    form = {key: request.form.get(key, "").strip() for key in ("url", "source", "interval")}
    try:
        if not form["interval"].isdigit() and form["interval"]:
            raise InvalidInput(N_("Poll every so many minutes: give a whole number."))
        interval = int(form["interval"] or 15)
        feed = add_feed(get_session(), form["url"], actor(), form["source"] or None, interval)
    except ClaimsError as exc:
        return _page(form, translated(exc), exc.status)
    flash(_("Monitoring %(url)s; its first poll is due now.", url=feed.url))
    return redirect(url_for("feeds.index"))


@bp.post("/<id:feed_id>/pause")
@require_role(Role.REVIEWER)
def pause(feed_id: int):
    """Stop polling a feed for now."""
    set_active(get_session(), feed_id, False, actor())
    return redirect(url_for("feeds.index"))


@bp.post("/<id:feed_id>/resume")
@require_role(Role.REVIEWER)
def resume(feed_id: int):
    """Poll a paused feed again, starting now."""
    set_active(get_session(), feed_id, True, actor())
    return redirect(url_for("feeds.index"))


@bp.post("/<id:feed_id>/poll")
@require_role(Role.REVIEWER)
def poll(feed_id: int):
    """Poll a feed now and say what came of it."""
    session = get_session()
    result = poll_feed(session, feed_id, *feed_poller(session), force=True)
    if result.error:
        flash(_("The feed could not be read: %(reason)s", reason=result.error))
    else:
        entries = ngettext("%(num)s new entry", "%(num)s new entries", result.new_entries)
        imported = ngettext(
            "%(num)s article imported.", "%(num)s articles imported.", result.imported
        )
        flash(_("%(entries)s, %(imported)s", entries=entries, imported=imported))
    return redirect(url_for("feeds.index"))


@bp.post("/<id:feed_id>/remove")
@require_role(Role.REVIEWER)
def remove(feed_id: int):
    """Stop monitoring a feed; the articles it imported stay."""
    remove_feed(get_session(), feed_id, actor())
    flash(_("Feed removed; the articles it imported stay."))
    return redirect(url_for("feeds.index"))
