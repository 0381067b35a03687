"""The `flask claims ...` commands: init-db, import, reindex, export and eval."""

from __future__ import annotations

import logging
import os
import secrets
import time
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlmodel import Session, select

from claims.csvsafe import csv_lines
from claims.errors import ClaimsError, InvalidInput
from claims.extensions import services
from claims.importing import iter_paths, parse_file
from claims.index import ClaimIndex
from claims.migrate import OUTDATED, schema_is_current, upgrade
from claims.models import Claim, Job
from claims.queue import batch_ingester, job_queue
from claims.schemas import ArticleIn, ClaimFilters, parse
from claims.services.export import CSV_HEADER, verdict_rows
from claims.services.jobs import (
    FINISHED,
    Skipped,
    create_job,
    errors_of,
    fail_early,
    get_job,
    list_jobs,
    run_import,
    stalled_seconds,
)
from claims.services.users import ROLES, create_token, create_user, find_user
from claims.web import duration

group = AppGroup("claims", help="Claim tracker commands.")


def _session() -> Session:
    """Open a session on the app's database, refusing one whose schema is out of date."""
    if not schema_is_current(services().engine):
        raise click.ClickException(OUTDATED)
    return Session(services().engine, expire_on_commit=False)


def _ready_index(session: Session) -> ClaimIndex:
    """Return the app's index, reconciled with the database."""
    index = services().index
    index.ensure_fresh(session)
    return index


@group.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
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
    source: str | None,
    language: str | None,
    background: bool,
    no_follow: bool,
) -> None:
    """Import articles from files or folders (.txt .md .html .json .jsonl)."""
    files = list(iter_paths(list(paths)))
    if not files:
        raise click.ClickException("No .txt, .md, .html, .json or .jsonl files found there.")
    articles, skipped = _read_files(files, {"source": source, "language": language})
    label = _label(files)
    with _session() as session:
        if background:
            try:
                job_id = job_queue().enqueue_import(session, articles, label, "cli", skipped)
            except ClaimsError as exc:
                raise click.ClickException(exc.message) from None
            click.echo(f"Queued job {job_id}: {len(articles)} article(s) from {label}.")
            if no_follow:
                return
            click.echo("Following its progress; Ctrl-C stops following, not the job.")
            job = _follow(session, job_id)
        else:
            _ready_index(session)
            job = create_job(session, label, len(articles) + len(skipped), "cli")
            fail_early(job, skipped)
            with _progress(job.total) as advance:
                advance(job)
                run_import(session, job, articles, batch_ingester(session, "cli"), advance)
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


def _label(files: list[Path]) -> str:
    """Describe an import's files in a few words."""
    if len(files) == 1:
        return files[0].name
    return f"{len(files)} files ({files[0].name} … {files[-1].name})"


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
            while job.status not in FINISHED:
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
    _session().close()  # refuses an out-of-date schema before any job runs
    try:
        huey = job_queue().huey
    except ClaimsError as exc:
        raise click.ClickException(exc.message) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    consumer = huey.create_consumer(workers=threads, worker_type="thread")
    click.echo(f"Worker started on {current_app.config['QUEUE_URL'].split('@')[-1]}.")
    consumer.run()


@group.command("jobs")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def jobs_command(limit: int) -> None:
    """List the newest import jobs with their progress."""
    with _session() as session:
        for job in list_jobs(session, limit):
            stalled = stalled_seconds(job)
            note = f"  (no progress for {duration(stalled)})" if stalled else ""
            click.echo(
                f"{job.id:>5}  {job.status:<8} {job.done}/{job.total}  "
                f"new {job.created}, known {job.known}, failed {job.failed}  {job.label}{note}"
            )


@group.command("index-status")
def index_status() -> None:
    """Show what the vector index holds, how it searches and its measured recall."""
    with _session() as session:
        index = _ready_index(session)
        kind = index.dense.kind if index.dense is not None else "empty"
        size = index.path.stat().st_size if index.path.exists() else 0
        click.echo(f"model {index.model}")
        click.echo(f"claims {len(index)} (version {index.version})")
        click.echo(f"search {kind} (exact up to {index.exact_limit:,} claims)")
        mapped = ", memory-mapped" if index.dense is not None and index.dense.mapped else ""
        click.echo(f"file {index.path} ({size / 1e6:.1f} MB{mapped})")
        if index.dense is not None:
            click.echo(
                f"since written: {len(index.dense.delta)} vector(s) added, "
                f"{len(index.dense.hidden)} removed or replaced, at {index.delta_path}"
            )
        click.echo(f"recall@10 {index.recall:.4f} against exact search, measured at build")
        segments, recent = index.lexical.layout()
        click.echo(
            f"bm25 {len(index.lexical)} claims in {segments} segment(s) and {recent} recent, "
            f"at {index.lexical_path}"
        )


@group.command("reindex")
def reindex() -> None:
    """Re-embed claims from another model, then rebuild the index from stored vectors."""
    embedder = services().embedder
    with _session() as session:
        stale = list(
            session.exec(select(Claim).where(Claim.embedding_model.is_distinct_from(embedder.name)))
        )
        with click.progressbar(range(0, len(stale), 256), label="Re-embedding") as bar:
            for start in bar:
                batch = stale[start : start + 256]
                vectors = embedder.encode([c.match_text or c.text for c in batch])
                for claim, vector in zip(batch, vectors, strict=True):
                    claim.embedding, claim.embedding_model = vector.tobytes(), embedder.name
                session.add_all(batch)
                session.commit()
        count = services().index.rebuild(session)
    click.echo(f"Re-embedded {len(stale)} claim(s); the index holds {count} claim(s).")
    # Export the query model now rather than during the first searches.
    engine = "ONNX Runtime" if embedder.prepare_queries() else "torch"
    click.echo(f"Search queries are embedded with {engine}.")


def _filter_options(command):
    """Add the shared export filters to a command."""
    for name in ("rating", "source", "language", "date-to", "date-from"):
        command = click.option(f"--{name}", default=None)(command)
    return command


@group.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@_filter_options
def export(out: Path, **options: str | None) -> None:
    """Write the verdict report as CSV, with the same filters as /export/verdicts.csv."""
    try:
        filters = parse(ClaimFilters, options)
    except InvalidInput as exc:
        raise click.ClickException(exc.message) from None
    tmp = out.with_name(out.name + ".tmp")
    with _session() as session, tmp.open("w", encoding="utf-8", newline="") as handle:
        rows = 0
        for line in csv_lines(CSV_HEADER, verdict_rows(session, filters)):
            handle.write(line)
            rows += 1
    tmp.replace(out)
    click.echo(f"Wrote {rows - 1} verdict(s) to {out}.")


users_group = AppGroup("users", help="Manage accounts.")
tokens_group = AppGroup("tokens", help="Manage API tokens.")
group.add_command(users_group)
group.add_command(tokens_group)


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="reviewer", show_default=True)
@click.option(
    "--password",
    envvar="CLAIMS_NEW_PASSWORD",
    help="Defaults to $CLAIMS_NEW_PASSWORD, else you are prompted.",
)
def users_create(username: str, role: str, password: str | None) -> None:
    """Create an account."""
    password = password or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as session:
        try:
            user = create_user(session, username, password, role, actor="cli")
        except ClaimsError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"Created {user.username} ({user.role}).")


@users_group.command("ensure-admin")
@click.option("--username", default="admin", show_default=True)
def users_ensure_admin(username: str) -> None:
    """Create the demo admin once: password from $CLAIMS_ADMIN_PASSWORD, or generated and shown."""
    with _session() as session:
        if find_user(session, username) is not None:
            click.echo(f"Admin account {username!r} exists; sign in with its password.")
            return
        password = os.environ.get("CLAIMS_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        try:
            create_user(session, username, password, "admin", actor="cli")
        except ClaimsError as exc:
            raise click.ClickException(exc.message) from None
    if os.environ.get("CLAIMS_ADMIN_PASSWORD"):
        click.echo(f"Created admin {username!r} with the password from $CLAIMS_ADMIN_PASSWORD.")
    else:
        click.echo(f"Created admin {username!r} with password: {password}  (shown only once)")


@tokens_group.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(1, 3650), help="Expire after this many days.")
def tokens_create(username: str, name: str, days: int | None) -> None:
    """Create an API token for a user and print it once."""
    with _session() as session:
        user = find_user(session, username)
        if user is None:
            raise click.ClickException(f"There is no user {username!r}.")
        try:
            _, secret = create_token(session, user, name, actor="cli", days=days)
        except ClaimsError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(secret)


def init_app(app: Flask) -> None:
    """Register the command group."""
    from claims import cli_quality

    group.add_command(cli_quality.eval_group)
    group.add_command(cli_quality.calibrate)
    group.add_command(cli_quality.train_checkworthiness)
    app.cli.add_command(group)
