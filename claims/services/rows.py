"""Loading one row by id, or refusing with a sentence that names what was asked for."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from claims.errors import NotFound

Row = TypeVar("Row", bound=SQLModel)


def get_or_404(
    session: Session, model: type[Row], row_id: int, noun: str | None = None, **options: Any
) -> Row:
    """Return the row of `model` with this id, or raise NotFound ("There is no claim with id 7")."""
    row = session.get(model, row_id, **options)
    if row is None:
        raise NotFound(f"There is no {noun or model.__name__.lower()} with id {row_id}.")
    return row
