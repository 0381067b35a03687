"""The `flask claims ...` commands: init-db, import, reindex, export and eval."""

from __future__ import annotations

import os
import secrets
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
from claims.models import Claim
from claims.schemas import ClaimFilters, parse
from claims.services.articles import ingest_article
from claims.services.calibration import thresholds
from claims.services.export import CSV_HEADER, verdict_rows
from claims.services.users import ROLES, create_token, create_user, find_user

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
def import_command(paths: tuple[Path, ...], source: str | None, language: str | None) -> None:
    """Import articles from files or folders (.txt .md .html .json .jsonl)."""
    files = list(iter_paths(list(paths)))
    if not files:
        raise click.ClickException("No .txt, .md, .html, .json or .jsonl files found there.")
    defaults = {"source": source, "language": language}
    created = known = failed = 0
    with _session() as session:
        index = _ready_index(session)
        with click.progressbar(files, label="Importing", show_pos=True, show_eta=True) as bar:
            for path in bar:
                try:
                    for data in parse_file(path.name, path.read_bytes(), defaults):
                        result = _ingest(session, index, data)
                        created, known = created + result.created, known + (not result.created)
                except ClaimsError as exc:
                    failed += 1
                    click.echo(f"\nSkipped {path}: {exc.message}", err=True)
    click.echo(f"Imported {created} new article(s), {known} already known, {failed} failed.")
    if failed and not created and not known:
        raise SystemExit(1)


def _ingest(session: Session, index: ClaimIndex, data):
    """Import one parsed article with the app's settings."""
    limits = thresholds(session, current_app.config)
    return ingest_article(
        session,
        services().embedder,
        index,
        data,
        max_chars=current_app.config["MAX_BODY_CHARS"],
        suggest_threshold=limits.suggest,
        autolink_threshold=limits.auto_link,
        checkworthiness=services().checkworthiness,
        actor="cli",
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
        click.echo(f"file {index.path} ({size / 1e6:.1f} MB)")
        click.echo(f"recall@10 {index.recall:.4f} against exact search, measured at build")


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
