"""JSON endpoints for feeds: list, add, pause or resume, poll now, remove."""

from __future__ import annotations

from flask import jsonify, url_for

from claims.models import Feed, Role
from claims.schemas import FeedIn, FeedUpdate, parse
from claims.services.feeds import add_feed, get_feed, list_feeds, poll_feed, remove_feed, set_active
from claims.web.api.routes import bp, json_body
from claims.web.auth import actor, require_role
from claims.web.extensions import get_session
from claims.web.queue import feed_poller


def feed_json(feed: Feed) -> dict[str, object]:
    """Serialise a feed with its schedule, counters and last error."""

    def stamp(value) -> str | None:
        return value.isoformat(timespec="seconds") if value else None

    return {
        "id": feed.id,
        "url": feed.url,
        "source": feed.source,
        "title": feed.title,
        "active": feed.active,
        "interval_minutes": feed.interval_minutes,
        "last_polled_at": stamp(feed.last_polled_at),
        "next_poll_at": stamp(feed.next_poll_at) if feed.active else None,
        "entries_seen": feed.entries_seen,
        "articles_imported": feed.articles_imported,
        "failures": feed.failures,
        "last_error": feed.last_error,
    }


@bp.get("/feeds")
@require_role(Role.VIEWER)
def index_feeds():
    """List the monitored feeds."""
    return jsonify(feeds=[feed_json(feed) for feed in list_feeds(get_session())])


@bp.post("/feeds")
@require_role(Role.REVIEWER)
def create_feed():
    """Start monitoring a feed: {"url", "source"?, "interval_minutes"?}."""
    data = parse(FeedIn, json_body())
    feed = add_feed(get_session(), data.url, actor(), data.source, data.interval_minutes)
    headers = {"Location": url_for("api.show_feed", feed_id=feed.id)}
    return jsonify(feed=feed_json(feed)), 201, headers


@bp.get("/feeds/<id:feed_id>")
@require_role(Role.VIEWER)
def show_feed(feed_id: int):
    """Show one feed."""
    return jsonify(feed=feed_json(get_feed(get_session(), feed_id)))


@bp.patch("/feeds/<id:feed_id>")
@require_role(Role.REVIEWER)
def update_feed(feed_id: int):
    """Pause or resume a feed: {"active": false|true}."""
    active = parse(FeedUpdate, json_body()).active
    return jsonify(feed=feed_json(set_active(get_session(), feed_id, active, actor())))


@bp.post("/feeds/<id:feed_id>/poll")
@require_role(Role.REVIEWER)
def poll_feed_now(feed_id: int):
    """Poll a feed now, importing its new entries before answering."""
    session = get_session()
    result = poll_feed(session, feed_id, *feed_poller(session), force=True)
    body = {"feed": feed_json(get_feed(session, feed_id)), "new_entries": result.new_entries}
    body |= {"imported": result.imported, "job_id": result.job_id, "error": result.error}
    return jsonify(body)


@bp.delete("/feeds/<id:feed_id>")
@require_role(Role.REVIEWER)
def delete_feed(feed_id: int):
    """Stop monitoring a feed; the articles it imported stay."""
    remove_feed(get_session(), feed_id, actor())
    return "", 204
