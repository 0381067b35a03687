"""What every command shares: the `claims` group, a checked session and readable errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup
from sqlmodel import Session

from claims.errors import ClaimsError
from claims.migrate import OUTDATED, schema_is_current
from claims.search.index import ClaimIndex
from claims.web.extensions import services

group = AppGroup("claims", help="Claim tracker commands.")


def open_session() -> Session:
    """Open a session on the app's database, refusing one whose schema is out of date."""
    if not schema_is_current(services().engine):
        raise click.ClickException(OUTDATED)
    return Session(services().engine, expire_on_commit=False)


def ready_index(session: Session) -> ClaimIndex:
    """Return the app's index, reconciled with the database."""
    index = services().index
    index.ensure_fresh(session)
    return index


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a refusal of the user's input into a CLI error message, without a traceback."""
    try:
        yield
    except ClaimsError as exc:
        raise click.ClickException(exc.message) from None
