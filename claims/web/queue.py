"""The background-job queue (Huey): SQLite by default, PostgreSQL or Redis by configuration.

The web app and `flask claims import --background` enqueue; `flask claims worker` runs the
tasks. Tasks carry only a job id and the parsed articles; progress lives in the Job table.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from urllib.parse import urlparse

from flask import Flask, current_app
from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from sqlmodel import Session

from claims.errors import InvalidInput, Unavailable
from claims.intake.feeds import FeedDocument, read_feed
from claims.intake.fetch import FetchSettings
from claims.models import Job
from claims.schemas import ArticleIn, ArticleLink
from claims.services.articles import ChunkImporter, IngestSettings, settings_for
from claims.services.calibration import thresholds
from claims.services.feeds import FeedReader, LinkImporter, poll_due
from claims.services.jobs import create_job, fail_early, finish, get_job, run_import
from claims.services.upkeep import keep_up
from claims.web.extensions import services
from claims.web.helpers import link_resolver

log = logging.getLogger(__name__)

QUEUE_NAME = "claims"
# Who the audit trail and the jobs name for what feeds import.
FEED_ACTOR = "feeds"


def make_queue(url: str) -> Huey:
    """Build the Huey instance a queue URL names; "immediate" runs tasks at once, in-process."""
    scheme = urlparse(url).scheme
    if url == "immediate":
        return MemoryHuey(QUEUE_NAME, immediate=True)
    if scheme == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(path))
    if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return PostgresHuey(QUEUE_NAME, dsn=dsn)
    if scheme in ("redis", "rediss"):
        return RedisHuey(QUEUE_NAME, url=url)
    raise InvalidInput(
        f"CLAIMS_QUEUE_URL {scheme or url!r} is not a queue: use sqlite:///…, "
        "postgresql://… or redis://…"
    )


class JobQueue:
    """The app's Huey queue, built on first use: starting the app never touches it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._huey: Huey | None = None
        self._import_task = None
        self._lock = threading.Lock()

    @property
    def huey(self) -> Huey:
        """Return the Huey instance, with the import task registered on it."""
        with self._lock:
            if self._huey is None:
                huey = make_queue(self.app.config["QUEUE_URL"])
                self._import_task = huey.task(name="claims.import")(self._run_import)
                every_minute = crontab(minute="*")
                huey.periodic_task(every_minute, name="claims.upkeep")(self._run_upkeep)
                huey.periodic_task(every_minute, name="claims.feeds")(self._poll_feeds)
                self._huey = huey
        return self._huey

    @property
    def import_task(self):
        """Return the registered import task (enqueue it by calling it)."""
        self.huey  # noqa: B018 - building the queue registers the task
        return self._import_task

    def _run_import(self, job_id: int, articles: list[dict]) -> None:
        """The import task: run a queued job inside this app."""
        with self.app.app_context():
            run_job(job_id, [_unpacked(record) for record in articles])

    def _run_upkeep(self) -> None:
        """The worker's periodic task: follow the log, finish pending links, snapshot."""
        with self.app.app_context(), Session(services().engine, expire_on_commit=False) as session:
            limits = thresholds(session, current_app.config)
            done = keep_up(session, services().index, limits)
        if done.applied or done.linked or done.snapshot:
            log.info("upkeep: %s", done)

    def _poll_feeds(self) -> None:
        """The worker's periodic task: poll the feeds that are due, importing new entries."""
        with self.app.app_context(), Session(services().engine, expire_on_commit=False) as session:
            for result in poll_due(session, *feed_poller(session)):
                if result.error:
                    log.warning("feed %s: %s", result.feed_id, result.error)
                elif result.new_entries:
                    log.info("feed %s: %s", result.feed_id, result)

    def enqueue_import(
        self,
        session: Session,
        articles: list[ArticleIn | ArticleLink],
        label: str,
        actor: str,
        skipped=(),
    ) -> int:
        """Record a queued import job and hand its articles to the queue; return the job id."""
        job = create_job(session, label, len(articles) + len(skipped), actor)
        if skipped:
            fail_early(job, list(skipped))
            session.add(job)
            session.commit()
        payload = [_packed(item) for item in articles]
        try:
            self.import_task(job.id, payload)
        except Exception as exc:  # noqa: BLE001 - any queue failure: the job must not wait forever
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            message = f"The job queue cannot take imports: {reason}"
            finish(session, job, message)
            raise Unavailable(message + " Check CLAIMS_QUEUE_URL and try again.") from None
        return job.id


def _packed(item: ArticleIn | ArticleLink) -> dict:
    """Serialise an article or a link (to fetch in the worker) for the queue."""
    data = item.model_dump(mode="json")
    return {"link": data} if isinstance(item, ArticleLink) else data


def _unpacked(record: dict) -> ArticleIn | ArticleLink:
    """Read back what _packed wrote."""
    if "link" in record:
        return ArticleLink.model_validate(record["link"])
    return ArticleIn.model_validate(record)


def init_app(app: Flask) -> None:
    """Attach the app's job queue."""
    app.extensions["claims_queue"] = JobQueue(app)


def job_queue() -> JobQueue:
    """Return the current app's job queue."""
    return current_app.extensions["claims_queue"]


def run_job(
    job_id: int, articles: list[ArticleIn | ArticleLink], on_progress=lambda job: None
) -> None:
    """Run one import job with the app's services, in this process."""
    with Session(services().engine, expire_on_commit=False) as session:
        job = get_job(session, job_id)
        try:
            index = services().index
            index.ensure_fresh(session)
            ingest = batch_ingester(session, job.actor)
            run_import(session, job, articles, ingest, on_progress, resolve=link_resolver())
        except Exception as exc:  # noqa: BLE001 - the job page must say the batch stopped
            session.rollback()
            finish(session, get_job(session, job_id), f"The import stopped: {exc}")
            raise


def feed_poller(session: Session) -> tuple[FeedReader, LinkImporter]:
    """Return how feeds are read and their new links imported, with the app's settings."""
    settings = FetchSettings.from_config(current_app.config)

    def read(url: str, etag: str | None, last_modified: str | None) -> FeedDocument:
        return read_feed(url, settings, etag, last_modified)

    def run(links: list[ArticleLink], label: str) -> Job:
        job = create_job(session, label, len(links), FEED_ACTOR)
        index = services().index
        index.ensure_fresh(session)
        ingest = batch_ingester(session, FEED_ACTOR)
        return run_import(session, job, links, ingest, resolve=link_resolver())

    return read, run


def batch_ingester(session: Session, actor: str) -> ChunkImporter:
    """Return the importer of chunks of articles, with the app's services and settings."""

    def settings() -> IngestSettings:
        return settings_for(session, current_app.config, services().checkworthiness, actor)

    return ChunkImporter(session, services().embedder, services().index, settings)
