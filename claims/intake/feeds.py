"""Reading an RSS or Atom feed (feedparser), fetched conditionally by the safe fetcher."""

from __future__ import annotations

from dataclasses import dataclass

import feedparser

from claims.errors import N_, InvalidInput
from claims.intake.fetch import FEED, FetchSettings, Resolver, fetch, system_resolver


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a feed: the key it is known by (its id, else its link) and its link."""

    key: str
    url: str
    title: str | None


@dataclass(frozen=True)
class FeedDocument:
    """What one poll read: nothing new (304), or the feed's title and entries, newest first."""

    modified: bool
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    entries: tuple[Entry, ...] = ()


def read_feed(
    url: str,
    settings: FetchSettings,
    etag: str | None = None,
    last_modified: str | None = None,
    resolve: Resolver = system_resolver,
) -> FeedDocument:
    """Fetch a feed, conditionally when an ETag or Last-Modified is known, and parse it."""
    conditions = {"If-None-Match": etag, "If-Modified-Since": last_modified}
    headers = {name: value for name, value in conditions.items() if value}
    fetched = fetch(url, settings, resolve, FEED, headers)
    if fetched.status == 304:
        return FeedDocument(False, etag, last_modified)
    answered = {"content-location": fetched.url}
    answered["content-type"] = fetched.headers.get("Content-Type", "application/xml")
    parsed = feedparser.parse(fetched.body, response_headers=answered)
    if not parsed.get("version"):
        # feedparser names the format it recognised: none means this is no feed at all.
        raise InvalidInput(N_("%(url)s is not an RSS or Atom feed."), url=url[:200])
    entries = tuple(_entries(parsed.entries))
    return FeedDocument(
        True,
        fetched.headers.get("ETag"),
        fetched.headers.get("Last-Modified"),
        parsed.feed.get("title") or None,
        entries,
    )


def _entries(items: list) -> list[Entry]:
    """Keep the entries that link to a web page; an entry without a link has nothing to import."""
    found = []
    for item in items:
        link = item.get("link") or ""
        if not link.startswith(("http://", "https://")):
            continue
        key = (item.get("id") or link)[:2000]
        found.append(Entry(key, link[:2000], item.get("title") or None))
    return found
