"""Batch imports as jobs: the queue, progress and ETA, skipped articles, pages, API and CLI,
and a real `flask claims worker` process on SQLite and PostgreSQL queues."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from huey import MemoryHuey, RedisHuey, SqliteHuey
from sqlmodel import select

from claims.errors import InvalidInput
from claims.models import Article, Claim, Job, utcnow
from claims.schemas import ArticleIn
from claims.services.jobs import (
    STALL_SECONDS,
    create_job,
    errors_of,
    eta_seconds,
    get_job,
    run_import,
    stalled_seconds,
)
from claims.web.helpers import duration
from claims.web.queue import batch_ingester, make_queue
from tests.conftest import ROOT, postgres_database, require_postgres
from tests.helpers import count, db, text_of

HOUSING = "The city built 4,000 new homes in 2023, twice as many as in 2022."
EXPORTS = "Exports of French wine rose by 12% last year, according to customs."
TRAMS = "Montpellier opened its fifth tram line on Monday after three years of works."


def _article(title: str, body: str) -> ArticleIn:
    """Build an article to import."""
    return ArticleIn(title=title, source="Wire", body=body)


def _upload(client, name: str, content: str):
    """POST the import form with one file."""
    data = {"source": "Wire", "files": [(io.BytesIO(content.encode()), name)]}
    return client.post("/articles/new", data=data, content_type="multipart/form-data")


def test_an_upload_of_several_articles_runs_as_a_job(client, app):
    records = [{"title": "Homes", "body": HOUSING}, {"title": "Wine", "body": EXPORTS}]
    response = _upload(client, "batch.json", json.dumps(records))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/jobs/")
    page = text_of(client.get(response.headers["Location"]))
    assert "Queued 2 articles as job" in page
    assert "2 of 2" in page and "batch.json" in page and "done" in page
    assert count(app, Article) == 2
    listing = text_of(client.get("/jobs"))
    assert "batch.json" in listing and 'href="/jobs/' in listing


def test_a_job_skips_the_failing_article_and_imports_the_rest(app):
    articles = [_article("Homes", HOUSING), _article("Broken", EXPORTS), _article("Trams", TRAMS)]
    with app.app_context(), db(app) as session:
        real = batch_ingester(session, "test")

        def ingest(chunk: list[ArticleIn]):
            if any(a.title == "Broken" for a in chunk):
                raise RuntimeError("the disk is on fire")
            return real(chunk)

        job = create_job(session, "three", 3, "test")
        seen: list[int] = []
        run_import(session, job, articles, ingest, lambda j: seen.append(j.done), chunk_size=3)
        job = get_job(session, job.id)
    assert (job.status, job.done, job.created, job.failed) == ("done", 3, 2, 1)
    assert [(s.title, s.message) for s in errors_of(job)] == [
        ("Broken", "Import failed: RuntimeError: the disk is on fire")
    ]
    assert seen == [0, 3]
    with db(app) as session:
        assert set(session.exec(select(Article.title))) == {"Homes", "Trams"}


def test_cli_import_reports_skipped_files_and_finishes_the_batch(app, runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.md").write_text(f"---\ntitle: Homes\nsource: Wire\n---\n\n{HOUSING}\n")
    (folder / "b.json").write_text("{not json")
    (folder / "c.md").write_text(f"---\ntitle: Huge\nsource: Wire\n---\n\n{'Word ' * 50}\n")
    (folder / "d.md").write_text(f"---\ntitle: Wine\nsource: Wire\n---\n\n{EXPORTS}\n")
    app.config["MAX_BODY_CHARS"] = 200
    result = runner.invoke(args=["claims", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 new article(s), 0 already known, 2 failed." in result.output
    assert "b.json" in result.output and "not valid JSON" in result.output
    assert "Huge: The article body has 249 characters; the limit is 200." in result.output
    with db(app) as session:
        job = session.exec(select(Job)).one()
    assert (job.status, job.total, job.done, job.created, job.failed) == ("done", 4, 4, 2, 2)
    assert job.actor == "cli"


def test_duplicates_within_one_batch_are_stored_once(app):
    articles = [_article("First", HOUSING), _article("Again", HOUSING), _article("Wine", EXPORTS)]
    with app.app_context(), db(app) as session:
        job = create_job(session, "dupes", 3, "test")
        run_import(session, job, articles, batch_ingester(session, "test"))
        job = get_job(session, job.id)
    assert (job.created, job.known, job.failed) == (2, 1, 0)
    assert count(app, Article) == 2 and count(app, Claim) == 2


def test_eta_follows_the_pace_so_far():
    started = utcnow()
    job = Job(label="x", total=20, done=5, status="running", actor="t", started_at=started)
    assert eta_seconds(job, started + timedelta(seconds=10)) == pytest.approx(30.0)
    assert eta_seconds(Job(label="x", total=20, status="queued", actor="t")) is None
    assert [duration(s) for s in (4, 59.6, 61, 1800, 3725)] == [
        "4 s",
        "1 min",
        "1 min",
        "30 min",
        "1 h 02",
    ]


def test_a_running_job_that_stops_moving_is_called_stalled():
    now = utcnow()
    job = Job(label="x", total=20, done=5, status="running", actor="t", started_at=now)
    job.progressed_at = now - timedelta(seconds=STALL_SECONDS - 1)
    assert stalled_seconds(job, now) is None
    job.progressed_at = now - timedelta(seconds=STALL_SECONDS + 30)
    assert stalled_seconds(job, now) == pytest.approx(STALL_SECONDS + 30)
    job.status = "done"
    assert stalled_seconds(job, now) is None
    queued = Job(label="x", total=3, status="queued", actor="t", created_at=now - timedelta(days=1))
    assert stalled_seconds(queued, now) is None


def test_running_an_import_records_when_it_last_progressed(app):
    articles = [_article("Homes", HOUSING), _article("Wine", EXPORTS), _article("Tram", TRAMS)]
    with app.app_context(), db(app) as session:
        job = create_job(session, "three", 3, "test")
        moments = []
        ingest = batch_ingester(session, "test")
        run_import(session, job, articles, ingest, lambda j: moments.append(j.progressed_at), 1)
    assert len(moments) == 4 and None not in moments
    assert moments == sorted(moments) and moments[0] < moments[-1]


def _stall(app, job_id: int) -> None:
    """Make a job look like its worker died 20 minutes ago, 2 articles in."""
    with db(app) as session:
        job = get_job(session, job_id)
        job.status, job.done = "running", 2
        job.started_at = job.progressed_at = utcnow() - timedelta(minutes=20)
        session.add(job)
        session.commit()


def test_a_stalled_job_is_flagged_on_the_pages_the_api_and_the_cli(app, client, runner):
    with db(app) as session:
        job_id = create_job(session, "stuck.jsonl", 7, "reviewer").id
    _stall(app, job_id)
    for url in ("/jobs", f"/jobs/{job_id}"):
        page = text_of(client.get(url))
        assert "no progress for 20 min: is its worker still running?" in page, url
        assert "min left" not in page  # no ETA for a job that does not move
    job = client.get(f"/api/jobs/{job_id}").get_json()["job"]
    assert job["stalled_seconds"] == pytest.approx(1200, abs=5) and job["progressed_at"]
    listing = runner.invoke(args=["claims", "jobs"]).output
    assert "running  2/7" in listing and "(no progress for 20 min)" in listing


def test_following_a_stalled_job_stops_with_a_reason(app):
    import click

    from claims.cli.imports import _follow

    with db(app) as session:
        job_id = create_job(session, "stuck.jsonl", 7, "cli").id
    _stall(app, job_id)
    with app.app_context(), db(app) as session, pytest.raises(click.ClickException) as raised:
        _follow(session, job_id)
    assert "made no progress for 20 min" in raised.value.message
    assert "flask claims worker" in raised.value.message


def test_a_queued_job_says_it_waits_for_a_worker(app, client):
    with db(app) as session:
        job = create_job(session, "waiting.jsonl", 7, "reviewer")
    page = text_of(client.get(f"/jobs/{job.id}"))
    assert "0 of 7" in page and "waiting for a worker" in page
    assert '<meta http-equiv="refresh"' in page


def test_the_api_queues_a_batch_and_reports_its_progress(client, app):
    payload = {"articles": [{"title": "Homes", "source": "Wire", "body": HOUSING}] * 2}
    response = client.post("/api/imports", json=payload)
    assert response.status_code == 202, response.get_json()
    job = response.get_json()["job"]
    assert response.headers["Location"] == f"/api/jobs/{job['id']}"
    shown = client.get(response.headers["Location"]).get_json()["job"]
    assert (shown["status"], shown["total"], shown["created"], shown["known"]) == ("done", 2, 1, 1)
    assert [j["id"] for j in client.get("/api/jobs").get_json()["jobs"]] == [job["id"]]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, 'Send {"articles": [...]} with at least one article object.'),
        ({"articles": []}, 'Send {"articles": [...]} with at least one article object.'),
        ({"articles": [{"title": "T", "source": "S", "body": "B"}, {"title": "T"}]}, "Article 2:"),
    ],
)
def test_a_bad_batch_is_refused_whole(client, app, payload, message):
    response = client.post("/api/imports", json=payload)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert count(app, Job) == 0 and count(app, Article) == 0


def test_viewers_see_jobs_but_cannot_queue_imports(viewer, app):
    payload = {"articles": [{"title": "Homes", "source": "Wire", "body": HOUSING}]}
    assert viewer.post("/api/imports", json=payload).status_code == 403
    assert viewer.get("/jobs").status_code == 200
    assert viewer.get("/jobs/999").status_code == 404


def test_queue_urls_name_their_backends(tmp_path):
    assert isinstance(make_queue(f"sqlite:///{tmp_path / 'q' / 'queue.db'}"), SqliteHuey)
    assert (tmp_path / "q" / "queue.db").exists()
    assert isinstance(make_queue("redis://127.0.0.1:6379/0"), RedisHuey)
    assert isinstance(make_queue("immediate"), MemoryHuey)
    with pytest.raises(InvalidInput, match="is not a queue"):
        make_queue("ftp://example.org/queue")


def _flask(env: dict[str, str], *args: str, **kwargs):
    """Start `flask --app app claims ...` in the project root."""
    command = [sys.executable, "-m", "flask", "--app", "app", "claims", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, **kwargs)


def _follow_import(importer: subprocess.Popen, worker: subprocess.Popen) -> str:
    """Wait for a following import; stop early, saying why, if the worker dies or it stalls."""
    for _ in range(300):
        try:
            return importer.communicate(timeout=1)[0].decode()
        except subprocess.TimeoutExpired:
            if worker.poll() is not None:
                break
    importer.kill()
    died = f"the worker exited with {worker.returncode}" if worker.poll() is not None else ""
    return importer.communicate()[0].decode() + f"\n[import stopped: {died or 'timed out'}]\n"


def _output(env: dict[str, str], *args: str) -> str:
    """Run a `flask claims` command to the end and return what it printed."""
    command = [sys.executable, "-m", "flask", "--app", "app", "claims", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout


# A Redis server tests may use, e.g. redis://127.0.0.1:6379/0 (CI starts one).
REDIS = os.environ.get("CLAIMS_TEST_REDIS", "")


@contextmanager
def _queue_environment(kind: str, tmp_path: Path):
    """Yield the database and queue settings of this kind; skip servers that are not set up."""
    sqlite = {"DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.db'}"}
    if kind == "sqlite":
        yield sqlite | {"CLAIMS_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}"}
    elif kind == "redis":
        if not REDIS:
            if os.environ.get("CLAIMS_REQUIRE_REDIS") == "1":
                pytest.fail("CLAIMS_TEST_REDIS is not set, and CI requires Redis.")
            pytest.skip("Redis not configured: set CLAIMS_TEST_REDIS to a server URL")
        yield sqlite | {"CLAIMS_QUEUE_URL": REDIS}
    else:
        require_postgres()
        # No CLAIMS_QUEUE_URL: with a PostgreSQL database the queue defaults to it.
        with postgres_database() as url:
            yield {"DATABASE_URL": url}


@pytest.mark.model
@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "redis"])
def test_a_real_worker_runs_a_background_import(tmp_path, kind):
    folder = tmp_path / "in"
    folder.mkdir()
    for n, body in enumerate((HOUSING, EXPORTS, TRAMS)):
        (folder / f"{n}.md").write_text(f"---\ntitle: Story {n}\nsource: Wire\n---\n\n{body}\n")
    (folder / "bad.json").write_text("[1, 2]")
    with _queue_environment(kind, tmp_path) as settings:
        env = {
            **os.environ,
            **settings,
            "CLAIMS_INDEX_PATH": str(tmp_path / "jobs.faiss"),
            "HF_HUB_OFFLINE": "1",
        }
        assert _flask(env, "init-db").wait(timeout=120) == 0
        log_path = tmp_path / "worker.log"
        # A file, not a pipe: a worker blocked on a full pipe would stall the job.
        with log_path.open("wb") as log_file:
            worker = _flask(env, "worker", stdout=log_file, stderr=subprocess.STDOUT)
            importer = _flask(env, "import", "--background", str(folder), stdout=subprocess.PIPE)
            try:
                output = _follow_import(importer, worker)
            finally:
                worker.terminate()
                worker.wait(timeout=60)
        log = log_path.read_text()
        assert importer.returncode == 0, output + log
        assert "Queued job 1: 3 article(s)" in output
        assert "Imported 3 new article(s), 0 already known, 1 failed." in output, output + log
        listing = _output(env, "jobs")
        assert "done" in listing and "4/4" in listing and "failed 1" in listing
        assert "claims 3 " in _output(env, "index-status")


def test_an_unreachable_queue_refuses_the_batch_and_fails_the_job(app, client, runner, tmp_path):
    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    payload = {"articles": [{"title": "Homes", "source": "Wire", "body": HOUSING}]}
    response = client.post("/api/imports", json=payload)
    assert response.status_code == 503
    assert "The job queue cannot take imports" in response.get_json()["error"]
    job = client.get("/api/jobs/1").get_json()["job"]
    assert job["status"] == "failed" and "cannot take imports" in job["message"]
    assert count(app, Article) == 0
    story = tmp_path / "a.md"
    story.write_text(f"---\ntitle: Homes\nsource: Wire\n---\n\n{HOUSING}\n")
    result = runner.invoke(args=["claims", "import", "--background", str(story)])
    assert result.exit_code == 1 and "The job queue cannot take imports" in result.output


def test_a_worker_on_a_bad_queue_url_says_so(app, runner):
    app.config["QUEUE_URL"] = "ftp://example.org/queue"
    result = runner.invoke(args=["claims", "worker"])
    assert result.exit_code == 1
    assert "is not a queue: use sqlite:///…, postgresql://… or redis://…" in result.output


STORIES = [HOUSING, EXPORTS, TRAMS, "Egypt bought 300,000 tonnes of wheat from Romania in June."]


def test_the_next_chunk_begins_before_this_one_is_stored(app):
    articles = [_article(f"Story {n}", body) for n, body in enumerate(STORIES)]
    events: list[str] = []
    with app.app_context(), db(app) as session:
        importer = batch_ingester(session, "test")
        begin = importer.begin

        def spying_begin(chunk, helper):
            events.append(f"begin {chunk[0].title}")
            store = begin(chunk, helper)

            def spying_store():
                events.append(f"store {chunk[0].title}")
                return store()

            return spying_store

        importer.begin = spying_begin
        job = run_import(
            session, create_job(session, "four", 4, "t"), articles, importer, chunk_size=2
        )
        assert (job.created, job.known, job.failed) == (4, 0, 0)
    assert events == ["begin Story 0", "begin Story 2", "store Story 0", "store Story 2"]


def test_a_repeat_in_the_next_chunk_is_stored_once_though_both_were_begun(app):
    articles = [_article("Homes", HOUSING), _article("Wine", EXPORTS), _article("Again", HOUSING)]
    with app.app_context(), db(app) as session:
        job = create_job(session, "repeat", 3, "t")
        job = run_import(session, job, articles, batch_ingester(session, "t"), chunk_size=2)
        assert (job.created, job.known, job.failed) == (2, 1, 0)
    assert count(app, Article) == 2 and count(app, Claim) == 2


class _BreakingEmbedder:
    """Wraps an embedder; fails on any call of several texts that holds one of them."""

    def __init__(self, embedder, poison: str) -> None:
        self.name, self.embedder, self.poison, self.raised = embedder.name, embedder, poison, 0

    def encode(self, texts: list[str]):
        if len(texts) > 1 and any(self.poison in text for text in texts):
            self.raised += 1
            raise RuntimeError("the model fell over")
        return self.embedder.encode(texts)


@pytest.mark.parametrize("stage", ["begin", "embed"])
def test_a_chunk_that_breaks_in_the_pipeline_is_retried_article_by_article(app, stage):
    articles = [_article(f"Story {n}", body) for n, body in enumerate(STORIES)]
    raised = []
    with app.app_context(), db(app) as session:
        importer = batch_ingester(session, "test")
        begin = importer.begin

        def breaking_begin(chunk, helper):
            if len(chunk) > 1 and chunk[0].title == "Story 2":
                raised.append(chunk[0].title)
                raise RuntimeError("the disk is on fire")
            return begin(chunk, helper)

        if stage == "begin":
            importer.begin = breaking_begin
        else:
            importer.embedder = _BreakingEmbedder(importer.embedder, TRAMS)
        job = create_job(session, "four", 4, "t")
        job = run_import(session, job, articles, importer, chunk_size=2)
        assert (job.status, job.created, job.known, job.failed) == ("done", 4, 0, 0)
    assert raised or importer.embedder.raised == 1
    assert count(app, Article) == 4 and count(app, Claim) == 4
