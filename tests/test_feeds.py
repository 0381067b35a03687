"""Feeds: RSS and Atom polled with conditional GET, each new entry imported once, by its link."""

from __future__ import annotations

import gc
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from claims.migrate import upgrade
from claims.models import Article, Feed, FeedEntry, Job, utcnow
from claims.services.feeds import due_feeds, poll_due, poll_feed
from claims.web.queue import feed_poller
from tests.conftest import HashingEmbedder, login, make_app, postgres_database, require_postgres
from tests.helpers import count, db, text_of
from tests.webserver import WEB


@pytest.fixture(autouse=True)
def twenty_items(loopback_only, site):
    """Each test starts on the feeds as written (20 items), connecting only to loopback."""
    site.overrides.clear()


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, tmp_path):
    """An app allowed to fetch from the local server, on SQLite then on PostgreSQL."""
    if request.param == "sqlite":
        yield make_app(tmp_path, HashingEmbedder(), FETCH_ALLOW="127.0.0.1")
        return
    require_postgres()
    with postgres_database() as url:
        upgrade(url)
        served = make_app(tmp_path, HashingEmbedder(), FETCH_ALLOW="127.0.0.1", DATABASE_URL=url)
        yield served
        gc.collect()  # sessions left to the collector give their connections back first
        served.extensions["claims"].engine.dispose()


def add(client, url: str, **fields) -> dict:
    """Add a feed through the API and return it."""
    response = client.post("/api/feeds", json={"url": url, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["feed"]


def poll_now(client, feed_id: int) -> dict:
    """Poll a feed through the API and return what it did."""
    response = client.post(f"/api/feeds/{feed_id}/poll")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_new_entries_are_imported_once_and_an_unchanged_feed_is_not_read_again(site, app):
    client = login(app.test_client())
    feed = add(client, site.url("rss_20.xml"), source="La Gazette")
    first = poll_now(client, feed["id"])
    assert (first["new_entries"], first["imported"], first["error"]) == (20, 20, None)
    assert count(app, Article) == 20
    stored = first["feed"]
    assert stored["title"] == "La Gazette des Territoires – À la une"
    assert (stored["entries_seen"], stored["articles_imported"]) == (20, 20)
    # Three new items at the top: only they are fetched and imported.
    site.overrides["rss_20.xml"] = (WEB / "rss_23.xml").read_bytes()
    before = len(site.requests)
    second = poll_now(client, feed["id"])
    assert (second["new_entries"], second["imported"]) == (3, 3)
    fetched = [path for path, _ in site.requests[before:] if "feed-articles" in path]
    assert sorted(fetched) == [f"/feed-articles/a{n}.html" for n in (21, 22, 23)]
    # Unchanged since: the server answers 304 to the conditional GET; nothing is imported.
    third = poll_now(client, feed["id"])
    assert (third["new_entries"], third["job_id"]) == (0, None)
    assert count(app, Article) == 23 and count(app, FeedEntry) == 23
    with db(app) as session:
        job = session.get(Job, second["job_id"])
        assert job.created == 3 and job.label.startswith("Feed La Gazette")
        sources = {article.source_id for article in session.exec(select(Article))}
        assert len(sources) == 1


def test_an_atom_feed_is_read_too(site, app):
    client = login(app.test_client())
    feed = add(client, site.url("atom_20.xml"))
    assert poll_now(client, feed["id"])["imported"] == 20
    with db(app) as session:
        titles = session.exec(select(Article.title)).all()
        assert len(titles) == 20


def test_a_failing_feed_keeps_its_history_and_backs_off(site, app):
    client = login(app.test_client())
    feed = add(client, site.url("rss_20.xml"))
    poll_now(client, feed["id"])
    site.overrides["rss_20.xml"] = b"<html>maintenance</html>"
    failed = poll_now(client, feed["id"])
    assert failed["error"] == f"{site.url('rss_20.xml')} is not an RSS or Atom feed."
    shown = failed["feed"]
    assert shown["failures"] == 1 and shown["last_error"] == failed["error"]
    assert shown["entries_seen"] == 20 and shown["articles_imported"] == 20
    with db(app) as session:
        stored = session.get(Feed, feed["id"])
        # Twice the 15-minute interval after one failure.
        assert stored.next_poll_at - stored.last_polled_at == timedelta(minutes=30)
        assert feed["id"] not in due_feeds(session)
    site.overrides.clear()
    recovered = poll_now(client, feed["id"])
    assert recovered["error"] is None and recovered["feed"]["failures"] == 0
    assert recovered["feed"]["last_error"] is None


def test_a_missing_feed_says_so(site, app):
    client = login(app.test_client())
    feed = add(client, site.url("no-such-feed.xml"))
    failed = poll_now(client, feed["id"])
    assert "answered 404" in failed["error"]


def test_paused_feeds_are_not_polled_and_removed_ones_leave_their_articles(site, app):
    client = login(app.test_client())
    feed = add(client, site.url("rss_20.xml"))
    paused = client.patch(f"/api/feeds/{feed['id']}", json={"active": False})
    assert paused.status_code == 200 and paused.get_json()["feed"]["active"] is False
    with db(app) as session:
        assert due_feeds(session, utcnow() + timedelta(days=1)) == []
        read, run = feed_poller_in(app, session)
        assert poll_due(session, read, run, utcnow() + timedelta(days=1)) == []
    resumed = client.patch(f"/api/feeds/{feed['id']}", json={"active": True})
    assert resumed.get_json()["feed"]["active"] is True
    poll_now(client, feed["id"])
    assert client.delete(f"/api/feeds/{feed['id']}").status_code == 204
    assert count(app, Feed) == 0 and count(app, FeedEntry) == 0 and count(app, Article) == 20
    assert client.get(f"/api/feeds/{feed['id']}").status_code == 404


def feed_poller_in(app, session):
    """Return the app's feed reader and importer, inside its context."""
    with app.app_context():
        return feed_poller(session)


def test_the_worker_polls_what_is_due_and_two_pollers_never_import_twice(site, app):
    client = login(app.test_client())
    feed = add(client, site.url("rss_20.xml"))
    results = []

    def worker() -> None:
        with app.app_context(), db(app) as session:
            results.extend(poll_due(session, *feed_poller(session)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.new_entries for r in results) in ([20], [0, 20])
    assert count(app, Article) == 20 and count(app, FeedEntry) == 20
    with db(app) as session:
        assert feed["id"] not in due_feeds(session)
        assert feed["id"] in due_feeds(session, utcnow() + timedelta(minutes=16))
        again = poll_feed(session, feed["id"], *feed_poller_in(app, session))
        assert again.new_entries == 0  # not due: nothing read


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"url": "ftp://x.example/feed"}, "not an http or https URL"),
        ({"url": ""}, "not an http or https URL"),
        ({"url": "https://x.example/feed", "interval_minutes": 1}, "greater than or equal to 5"),
        ({"url": "https://x.example/feed", "interval_minutes": "soon"}, "valid integer"),
        ({"source": "No address"}, "url"),
    ],
)
def test_bad_feeds_are_refused_with_the_reason(app, payload, words):
    client = login(app.test_client())
    response = client.post("/api/feeds", json=payload)
    assert response.status_code == 400 and words in response.get_json()["error"]
    add(client, "https://x.example/feed")
    twice = client.post("/api/feeds", json={"url": "https://x.example/feed"})
    assert twice.status_code == 400 and "already monitored" in twice.get_json()["error"]


def test_the_feeds_page_shows_each_feed_with_its_counters_and_last_error(site, app):
    client = login(app.test_client())
    added = client.post("/feeds", data={"url": site.url("rss_20.xml"), "source": "Gazette"})
    assert added.status_code == 302
    feed_id = client.get("/api/feeds").get_json()["feeds"][0]["id"]
    assert client.post(f"/feeds/{feed_id}/poll").status_code == 302
    bad = client.post("/feeds", data={"url": site.url("no-such-feed.xml"), "interval": "30"})
    assert bad.status_code == 302
    bad_id = client.get("/api/feeds").get_json()["feeds"][1]["id"]
    client.post(f"/feeds/{bad_id}/poll")
    page = text_of(client.get("/feeds"))
    assert "La Gazette des Territoires" in page and "Gazette" in page
    assert "answered 404" in page and ">20<" in page.replace(" ", "")
    refused = client.post("/feeds", data={"url": "not a url"})
    assert refused.status_code == 400 and "not an http or https URL" in text_of(refused)
    assert client.post(f"/feeds/{bad_id}/pause").status_code == 302
    assert "paused" in text_of(client.get("/feeds"))


def test_the_cli_adds_lists_and_polls(site, app):
    runner = app.test_cli_runner()
    added = runner.invoke(args=["claims", "feeds", "add", site.url("atom_20.xml"), "--every", "30"])
    assert added.exit_code == 0 and "polled every 30 min" in added.output, added.output
    polled = runner.invoke(args=["claims", "feeds", "poll"])
    assert "20 new entries, 20 article(s) imported" in polled.output, polled.output
    assert "No feed is due." in runner.invoke(args=["claims", "feeds", "poll"]).output
    listed = runner.invoke(args=["claims", "feeds", "list"])
    assert "20 entries, 20 imported" in listed.output
    bad = runner.invoke(args=["claims", "feeds", "add", "ftp://x", "--every", "30"])
    assert bad.exit_code != 0 and "not an http or https URL" in bad.output


def test_a_malformed_link_in_a_feed_is_skipped_and_the_rest_imported(site, app):
    rss = (WEB / "rss_20.xml").read_bytes()
    bad = b"<item><title>Bad</title><link>http://127.0.0.1:{PORT}/a b c</link></item>"
    site.overrides["rss_20.xml"] = rss.replace(b"<item>", bad + b"<item>", 1)
    client = login(app.test_client())
    polled = poll_now(client, add(client, site.url("rss_20.xml"))["id"])
    assert (polled["new_entries"], polled["imported"], polled["error"]) == (21, 20, None)
