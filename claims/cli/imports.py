"""Bringing articles in from files, now or through the queue, and following jobs."""

from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from sqlmodel import Session

from claims.cli.common import group, open_session, ready_index, user_errors
from claims.errors import ClaimsError, InvalidInput
from claims.intake.claimreview import reviews_in
from claims.intake.files import iter_paths, parse_file
from claims.models import FINISHED_JOBS, Job
from claims.schemas import ArticleIn, ArticleLink, parse
from claims.services.articles import IngestFailure, IngestResult
from claims.services.jobs import (
    Skipped,
    create_job,
    errors_of,
    fail_early,
    get_job,
    list_jobs,
    run_import,
    stalled_seconds,
)
from claims.web.helpers import duration, import_prior_reviews, link_resolver, prior_reviews_at
from claims.web.queue import batch_ingester, job_queue


@group.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--url",
    "urls",
    multiple=True,
    help="Import the article at this web address (repeat for several).",
)
@click.option("--source", help="Source name for files that do not give one.")
@click.option("--language", help="Language code for files that do not give one.")
@click.option(
    "--background",
    is_flag=True,
    help="Queue the import for `flask claims worker` and follow its progress.",
)
@click.option("--no-follow", is_flag=True, help="With --background: queue it and return.")
def import_command(
    paths: tuple[Path, ...],
    urls: tuple[str, ...],
    source: str | None,
    language: str | None,
    background: bool,
    no_follow: bool,
) -> None:
    """Import articles from files or folders (.txt .md .html .json .jsonl), or from --url."""
    if not paths and not urls:
        raise click.UsageError("Give files or folders to import, or --url with a web address.")
    files = list(iter_paths(list(paths)))
    if paths and not files:
        raise click.ClickException("No .txt, .md, .html, .json or .jsonl files found there.")
    defaults = {"source": source, "language": language}
    articles, skipped = _read_files(files, defaults)
    links, refused = _read_links(urls, defaults)
    articles, skipped = [*articles, *links], [*skipped, *refused]
    label = _label(files, urls)
    with open_session() as session:
        if background:
            with user_errors():
                job_id = job_queue().enqueue_import(session, articles, label, "cli", skipped)
            click.echo(f"Queued job {job_id}: {len(articles)} article(s) from {label}.")
            if no_follow:
                return
            click.echo("Following its progress; Ctrl-C stops following, not the job.")
            job = _follow(session, job_id)
        else:
            index = ready_index(session)
            job = create_job(session, label, len(articles) + len(skipped), "cli")
            fail_early(job, skipped)
            with _progress(job.total) as advance:
                advance(job)
                ingester = batch_ingester(session, "cli")
                run_import(session, job, articles, ingester, advance, resolve=link_resolver())
            # The next process to start opens this instead of replaying the import's changes.
            index.write_snapshot()
    _report(job)


def _read_files(
    files: list[Path], defaults: dict[str, str | None]
) -> tuple[list[ArticleIn], list[Skipped]]:
    """Parse every file; an unreadable one is skipped with its reason."""
    articles: list[ArticleIn] = []
    skipped: list[Skipped] = []
    for path in files:
        try:
            articles += parse_file(path.name, path.read_bytes(), defaults)
        except ClaimsError as exc:
            skipped.append(Skipped(str(path), exc.message))
        except OSError as exc:
            skipped.append(Skipped(str(path), f"cannot be read: {exc.strerror}"))
    return articles, skipped


def _read_links(
    urls: tuple[str, ...], defaults: dict[str, str | None]
) -> tuple[list[ArticleLink], list[Skipped]]:
    """Parse each --url; a malformed one is skipped with its reason."""
    links: list[ArticleLink] = []
    skipped: list[Skipped] = []
    for url in urls:
        try:
            links.append(parse(ArticleLink, {"url": url, **defaults}))
        except ClaimsError as exc:
            skipped.append(Skipped(url, exc.message))
    return links, skipped


def _label(files: list[Path], urls: tuple[str, ...] = ()) -> str:
    """Describe an import's files and links in a few words."""
    names = [path.name for path in files] + list(urls)
    if len(names) == 1:
        return names[0]
    kind = "links" if not files else "files and links" if urls else "files"
    return f"{len(names)} {kind} ({names[0]} … {names[-1]})"


@contextmanager
def _progress(total: int):
    """Yield a callback moving a CLI progress bar to a job's `done` count."""
    with click.progressbar(length=total, label="Importing", show_pos=True, show_eta=True) as bar:

        def advance(job: Job) -> None:
            bar.update(job.done - bar.pos)

        yield advance


def _follow(session: Session, job_id: int) -> Job:
    """Show a queued job's progress until it finishes (or the user presses Ctrl-C)."""
    job = get_job(session, job_id)
    try:
        with _progress(job.total) as advance:
            while job.status not in FINISHED_JOBS:
                advance(job)
                if stalled := stalled_seconds(job):
                    raise click.ClickException(
                        f"Job {job_id} has made no progress for {duration(stalled)}: is its "
                        "worker (`flask claims worker`) still running?"
                    )
                time.sleep(0.5)
                job = get_job(session, job_id)
            advance(job)
    except KeyboardInterrupt:
        raise click.ClickException(f"Stopped following; job {job_id} goes on.") from None
    return job


def _report(job: Job) -> None:
    """Print what an import did, naming the skipped articles; exit 1 if nothing imported."""
    for skipped in errors_of(job):
        click.echo(f"Skipped {skipped.title}: {skipped.message}", err=True)
    if job.message:
        raise click.ClickException(job.message)
    click.echo(
        f"Imported {job.created} new article(s), {job.known} already known, {job.failed} failed."
    )
    if job.failed and not job.created and not job.known:
        raise SystemExit(1)


@group.command("worker")
@click.option("--threads", type=click.IntRange(1, 16), default=1, show_default=True)
def worker(threads: int) -> None:
    """Run queued imports until stopped (Ctrl-C); start one or more beside the web app."""
    open_session().close()  # refuses an out-of-date schema before any job runs
    with user_errors():
        huey = job_queue().huey
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    consumer = huey.create_consumer(workers=threads, worker_type="thread")
    click.echo(f"Worker started on {current_app.config['QUEUE_URL'].split('@')[-1]}.")
    consumer.run()


@group.command("jobs")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def jobs_command(limit: int) -> None:
    """List the newest import jobs with their progress."""
    with open_session() as session:
        for job in list_jobs(session, limit):
            stalled = stalled_seconds(job)
            note = f"  (no progress for {duration(stalled)})" if stalled else ""
            click.echo(
                f"{job.id:>5}  {job.status:<8} {job.done}/{job.total}  "
                f"new {job.created}, known {job.known}, failed {job.failed}  {job.label}{note}"
            )


@group.command("import-claimreview")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", "urls", multiple=True, help="A fact-check page whose JSON-LD to read.")
def import_claimreview(paths: tuple[Path, ...], urls: tuple[str, ...]) -> None:
    """Import fact-checks published elsewhere: ClaimReview JSON-LD files, or fact-check pages."""
    if not paths and not urls:
        raise click.UsageError("Give ClaimReview JSON files, or --url with a fact-check page.")
    with open_session() as session, user_errors():
        reviews = [review for path in paths for review in _reviews_in_file(path)]
        reviews += [review for url in urls for review in prior_reviews_at(url)]
        outcomes = import_prior_reviews(session, reviews, "cli")
    created = sum(isinstance(o, IngestResult) and o.created for o in outcomes)
    known = sum(isinstance(o, IngestResult) and not o.created for o in outcomes)
    click.echo(f"{created} fact-check(s) imported, {known} already known.")
    for failure in (o for o in outcomes if isinstance(o, IngestFailure)):
        click.echo(f"  skipped {failure.title}: {failure.error.message}")


def _reviews_in_file(path: Path) -> list:
    """Read the ClaimReviews of a JSON file, naming the file if it holds none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path} is not a readable JSON file: {exc}") from None
    try:
        return reviews_in(data)
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc.message}") from None
