"""Keeping the database and the index in shape: init-db, reindex, index-status."""

from __future__ import annotations

import click
from flask import current_app
from sqlmodel import select

from claims.cli.common import group, open_session, ready_index
from claims.migrate import upgrade
from claims.models import Claim
from claims.search.changes import last_change, log_changes
from claims.services.calibration import thresholds
from claims.services.upkeep import SNAPSHOT_AFTER, keep_up
from claims.web.extensions import services


@group.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@group.command("index-status")
def index_status() -> None:
    """Show what the index holds, where it stands in the change log, and its recall."""
    with open_session() as session:
        index = ready_index(session)
        newest = last_change(session)
    kind = index.dense.kind if index.dense is not None else "empty"
    click.echo(f"model {index.model}")
    click.echo(f"claims {len(index)} (change {index.position} of {newest} in the log)")
    click.echo(f"search {kind} (exact up to {index.exact_limit:,} claims)")
    snapshot = index.snapshot_position
    mapped = ", memory-mapped" if index.dense is not None and index.dense.mapped else ""
    where = f"at change {snapshot}{mapped}" if snapshot is not None else "none yet"
    click.echo(f"snapshot {where}, in {index.path}")
    click.echo(f"recall@10 {index.recall:.4f} against exact search, measured at build")
    segments, recent = index.lexical.layout()
    click.echo(f"bm25 {len(index.lexical)} claims in {segments} segment(s) and {recent} recent")


@group.command("upkeep")
@click.option("--snapshot", is_flag=True, help="Write a new index snapshot even if not due.")
def upkeep(snapshot: bool) -> None:
    """Catch the index up, link what crashed imports left pending, snapshot when due.

    The worker does this every minute; run it from cron where no worker runs.
    """
    with open_session() as session:
        index = services().index
        limits = thresholds(session, current_app.config)
        done = keep_up(session, index, limits, snapshot_after=0 if snapshot else SNAPSHOT_AFTER)
    wrote = "wrote a snapshot" if done.snapshot else "no snapshot written"
    click.echo(f"Applied {done.applied} change(s), made {done.linked} pending link(s); {wrote}.")


@group.command("reindex")
def reindex() -> None:
    """Re-embed claims from another model, then write a fresh index snapshot."""
    embedder = services().embedder
    with open_session() as session:
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
                log_changes(session, [claim.id for claim in batch], "reembed")
                session.commit()
        index = services().index
        index.ensure_fresh(session)
    index.write_snapshot()
    click.echo(f"Re-embedded {len(stale)} claim(s); the index holds {len(index)} claim(s).")
    # Export the query model now rather than during the first searches.
    engine = "ONNX Runtime" if embedder.prepare_queries() else "torch"
    click.echo(f"Search queries are embedded with {engine}.")
