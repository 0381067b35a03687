"""Loading one row by id, or refusing with a sentence that names what was asked for."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from claims.errors import N_, Message, NotFound

Row = TypeVar("Row", bound=SQLModel)
# The things a page asks for by id, named in the reader's language.
NOUNS = {
    "claim": N_("claim"),
    "article": N_("article"),
    "link": N_("link"),
    "user": N_("user"),
    "feed": N_("feed"),
    "job": N_("job"),
    "verdict": N_("verdict"),
}


def get_or_404(
    session: Session, model: type[Row], row_id: int, noun: str | None = None, **options: Any
) -> Row:
    """Return the row of `model` with this id, or raise NotFound ("There is no claim with id 7")."""
    row = session.get(model, row_id, **options)
    if row is None:
        name = noun or model.__name__.lower()
        raise NotFound(
            N_("There is no %(noun)s with id %(id)s."),
            noun=Message(NOUNS[name]) if name in NOUNS else name,
            id=row_id,
        )
    return row
