"""Keeping the database and the index in shape: init-db, reindex, index-status."""

from __future__ import annotations

import click
from flask import current_app
from sqlmodel import select

from claims.cli.common import group, open_session, ready_index
from claims.migrate import upgrade
from claims.models import Claim
from claims.web.extensions import services


@group.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@group.command("index-status")
def index_status() -> None:
    """Show what the vector index holds, how it searches and its measured recall."""
    with open_session() as session:
        index = ready_index(session)
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
                session.commit()
        count = services().index.rebuild(session)
    click.echo(f"Re-embedded {len(stale)} claim(s); the index holds {count} claim(s).")
    # Export the query model now rather than during the first searches.
    engine = "ONNX Runtime" if embedder.prepare_queries() else "torch"
    click.echo(f"Search queries are embedded with {engine}.")
