"""Feeds from the command line: add, list, poll."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from claims.cli.common import group, open_session, user_errors
from claims.services.feeds import (
    MAX_INTERVAL,
    MIN_INTERVAL,
    add_feed,
    list_feeds,
    poll_due,
    poll_feed,
)
from claims.web.queue import feed_poller

feeds_group = AppGroup("feeds", help="Monitor RSS and Atom feeds.")
group.add_command(feeds_group)


@feeds_group.command("add")
@click.argument("url")
@click.option("--source", help="File its articles under this source (default: the feed's title).")
@click.option(
    "--every",
    "interval",
    type=click.IntRange(MIN_INTERVAL, MAX_INTERVAL),
    default=15,
    show_default=True,
    help="Poll every so many minutes.",
)
def add(url: str, source: str | None, interval: int) -> None:
    """Start monitoring a feed; the worker polls it, or run `claims feeds poll`."""
    with open_session() as session, user_errors():
        feed = add_feed(session, url, "cli", source, interval)
        click.echo(f"Feed {feed.id}: {feed.url}, polled every {feed.interval_minutes} min.")


@feeds_group.command("list")
def list_command() -> None:
    """List the feeds with their last poll, counters and last error."""
    with open_session() as session:
        feeds = list_feeds(session)
        if not feeds:
            click.echo("No feed is monitored yet.")
        for feed in feeds:
            status = "active" if feed.active else "paused"
            polled = (
                feed.last_polled_at.strftime("%Y-%m-%d %H:%M") if feed.last_polled_at else "never"
            )
            click.echo(
                f"{feed.id}  {status}  {feed.url}  polled {polled}  "
                f"{feed.entries_seen} entries, {feed.articles_imported} imported"
            )
            if feed.last_error:
                click.echo(f"    last error: {feed.last_error}")


@feeds_group.command("poll")
@click.argument("feed_ids", nargs=-1, type=int)
def poll(feed_ids: tuple[int, ...]) -> None:
    """Poll the feeds that are due (or these, now), importing their new entries."""
    with open_session() as session, user_errors():
        read, run = feed_poller(session)
        if feed_ids:
            results = [poll_feed(session, feed_id, read, run, force=True) for feed_id in feed_ids]
        else:
            results = poll_due(session, read, run)
        if not results:
            click.echo("No feed is due.")
        for result in results:
            if result.error:
                click.echo(f"Feed {result.feed_id}: {result.error}")
            else:
                click.echo(
                    f"Feed {result.feed_id}: {result.new_entries} new entries, "
                    f"{result.imported} article(s) imported."
                )
