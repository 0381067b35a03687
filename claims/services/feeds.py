"""Feeds: RSS and Atom sources polled on a schedule, each new entry imported by its link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from claims.errors import N_, ClaimsError, InvalidInput
from claims.intake.feeds import Entry, FeedDocument
from claims.models import Feed, FeedEntry, Job, utcnow
from claims.schemas import ArticleLink, parse
from claims.services.audit import record
from claims.services.rows import get_or_404

DEFAULT_INTERVAL = 15
MIN_INTERVAL, MAX_INTERVAL = 5, 7 * 24 * 60
# A failing feed waits twice as long after each failure, up to a day.
MAX_BACKOFF = timedelta(hours=24)

# Reads a feed, conditionally: (url, etag, last_modified) -> what it says now.
FeedReader = Callable[[str, str | None, str | None], FeedDocument]
# Imports links as one job, in this process: (links, label) -> the finished job.
LinkImporter = Callable[[list[ArticleLink], str], Job]


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll of a feed did."""

    feed_id: int
    new_entries: int = 0
    imported: int = 0
    job_id: int | None = None
    error: str | None = None


def add_feed(
    session: Session,
    url: str,
    actor: str,
    source: str | None = None,
    interval_minutes: int = DEFAULT_INTERVAL,
) -> Feed:
    """Start monitoring a feed; its first poll is due at once."""
    link = parse(ArticleLink, {"url": url, "source": source})
    if not MIN_INTERVAL <= interval_minutes <= MAX_INTERVAL:
        raise InvalidInput(
            N_("Poll every %(low)s to %(high)s minutes, not %(given)s."),
            low=MIN_INTERVAL,
            high=MAX_INTERVAL,
            given=interval_minutes,
        )
    if session.exec(select(Feed.id).where(Feed.url == link.url)).first() is not None:
        raise InvalidInput(N_("%(url)s is already monitored."), url=link.url)
    feed = Feed(url=link.url, source=link.source, interval_minutes=interval_minutes)
    session.add(feed)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(N_("%(url)s is already monitored."), url=link.url) from None
    record(session, actor, "feed.add", "feed", feed.id, after=_state(feed))
    session.commit()
    return feed


def _state(feed: Feed) -> dict[str, object]:
    """Return what the audit trail keeps of a feed."""
    return {"url": feed.url, "source": feed.source, "active": feed.active}


def list_feeds(session: Session) -> list[Feed]:
    """Return every feed, the oldest first."""
    return list(session.exec(select(Feed).order_by(Feed.id)))


def get_feed(session: Session, feed_id: int) -> Feed:
    """Return a feed or raise NotFound."""
    return get_or_404(session, Feed, feed_id, populate_existing=True)


def set_active(session: Session, feed_id: int, active: bool, actor: str) -> Feed:
    """Pause a feed, or resume it (its next poll is then due at once)."""
    feed = get_feed(session, feed_id)
    before = _state(feed)
    feed.active = active
    if active:
        feed.next_poll_at = utcnow()
    record(session, actor, "feed.resume" if active else "feed.pause", "feed", feed_id,
           before=before, after=_state(feed))  # fmt: skip
    session.commit()
    return feed


def remove_feed(session: Session, feed_id: int, actor: str) -> None:
    """Stop monitoring a feed and forget its entries; the articles it imported stay."""
    feed = get_feed(session, feed_id)
    record(session, actor, "feed.remove", "feed", feed_id, before=_state(feed))
    session.execute(sa.delete(FeedEntry).where(FeedEntry.feed_id == feed_id))
    session.delete(feed)
    session.commit()


def due_feeds(session: Session, now: datetime | None = None) -> list[int]:
    """Return the ids of the active feeds whose next poll is due."""
    query = select(Feed.id).where(Feed.active, Feed.next_poll_at <= (now or utcnow()))
    return list(session.exec(query.order_by(Feed.next_poll_at)))


def _take_turn(session: Session, feed: Feed, now: datetime, force: bool) -> bool:
    """Claim this poll of a feed, so two workers never poll it at once."""
    update = sa.update(Feed).where(Feed.id == feed.id, Feed.next_poll_at == feed.next_poll_at)
    if not force:
        update = update.where(Feed.next_poll_at <= now)
    taken = session.execute(update.values(next_poll_at=now + timedelta(minutes=10))).rowcount
    session.commit()
    return taken == 1


def poll_feed(
    session: Session,
    feed_id: int,
    read: FeedReader,
    run: LinkImporter,
    force: bool = False,
) -> PollResult:
    """Poll one feed if it is due (or `force`): import its new entries as one job.

    Entries are recorded as seen before the job runs, in one transaction, so an entry is
    never imported twice even if two pollers race or the job fails halfway.
    """
    feed, now = get_feed(session, feed_id), utcnow()
    if not _take_turn(session, feed, now, force):
        return PollResult(feed_id)
    try:
        document = read(feed.url, feed.etag, feed.last_modified)
    except ClaimsError as exc:
        return _failed(session, feed, now, exc.message)
    new = _record_entries(session, feed, document) if document.modified else []
    links = _links(feed, document, new)
    job = run(links, _label(feed, len(links))) if links else None
    feed = get_feed(session, feed_id)
    feed.last_polled_at, feed.failures, feed.last_error = now, 0, None
    feed.next_poll_at = now + timedelta(minutes=feed.interval_minutes)
    feed.articles_imported += job.created if job else 0
    session.commit()
    return PollResult(feed_id, len(new), job.created if job else 0, job.id if job else None)


def _record_entries(session: Session, feed: Feed, document: FeedDocument) -> list[Entry]:
    """Record the entries not seen before, with what the feed said; return those."""
    keys = [entry.key for entry in document.entries]
    seen = set(
        session.exec(
            select(FeedEntry.key).where(FeedEntry.feed_id == feed.id, FeedEntry.key.in_(keys))
        )
    )
    new = list({entry.key: entry for entry in document.entries if entry.key not in seen}.values())
    session.add_all(FeedEntry(feed_id=feed.id, key=e.key, url=e.url) for e in new)
    feed.etag, feed.last_modified = document.etag, document.last_modified
    feed.title = (document.title or feed.title or "")[:500] or None
    feed.entries_seen += len(new)
    session.add(feed)
    session.commit()
    return new


def _links(feed: Feed, document: FeedDocument, entries: list[Entry]) -> list[ArticleLink]:
    """Return the links to import, filed under the feed's source."""
    source = (feed.source or document.title or urlsplit(feed.url).hostname or "")[:200] or None
    links = []
    for entry in entries:
        try:
            links.append(ArticleLink.model_validate({"url": entry.url, "source": source}))
        except ValidationError:
            continue  # a malformed link in the feed: recorded as seen, nothing to fetch
    return links


def _label(feed: Feed, count: int) -> str:
    """Name a feed's import job."""
    return f"Feed {feed.title or feed.url}: {count} new entr{'y' if count == 1 else 'ies'}"[:300]


def _failed(session: Session, feed: Feed, now: datetime, message: str) -> PollResult:
    """Keep the feed's history, say what went wrong, and wait longer before the next try."""
    feed = get_feed(session, feed.id)
    feed.failures += 1
    feed.last_polled_at, feed.last_error = now, message[:2000]
    wait = timedelta(minutes=feed.interval_minutes) * 2 ** min(feed.failures, 10)
    feed.next_poll_at = now + min(wait, MAX_BACKOFF)
    session.commit()
    return PollResult(feed.id, error=message)


def poll_due(
    session: Session, read: FeedReader, run: LinkImporter, now: datetime | None = None
) -> list[PollResult]:
    """Poll every active feed that is due."""
    return [poll_feed(session, feed_id, read, run) for feed_id in due_feeds(session, now)]
