"""Every text a request brings is cleaned once, at the edge: no NUL, no invisible characters.

PostgreSQL refuses NUL in text, and a zero-width space or a bidi control makes a title, a
name or a query look the same as another while matching differently.
"""

from __future__ import annotations

from typing import Any

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

from claims.text.normalise import strip_invisible

# A password is compared as typed: cleaning it would accept a different one.
VERBATIM_FIELDS = frozenset({"password"})


def clean_value(value: Any) -> Any:
    """Strip invisible characters from every string in a parsed JSON value, keys included.

    Containers are cleaned in place and without recursion: a deeply nested body must reach
    validation and be refused there with a sentence, not overflow the stack here.
    """
    if isinstance(value, str):
        return strip_invisible(value)
    pending = [value]
    while pending:
        container = pending.pop()
        if isinstance(container, list):
            pairs = list(enumerate(container))
        elif isinstance(container, dict):
            pairs = [(strip_invisible(key), item) for key, item in container.items()]
            container.clear()
        else:
            continue
        for key, item in pairs:
            container[key] = strip_invisible(item) if isinstance(item, str) else item
            pending.append(item)
    return value


def _clean_fields(fields: MultiDict) -> ImmutableMultiDict:
    """Return form or query fields with their names and values cleaned."""
    return ImmutableMultiDict(
        (strip_invisible(key), value if key in VERBATIM_FIELDS else strip_invisible(value))
        for key, value in fields.items(multi=True)
    )


class CleanRequest(Request):
    """A request whose query string, form fields and JSON body carry no invisible characters."""

    @cached_property
    def args(self) -> ImmutableMultiDict:  # type: ignore[override]
        """The query string, cleaned."""
        return _clean_fields(super().args)

    def _load_form_data(self) -> None:
        """Parse the form as Werkzeug does, then clean its text fields (files stay as sent)."""
        super()._load_form_data()
        self.__dict__["form"] = _clean_fields(self.__dict__["form"])

    def get_json(self, *args: Any, **kwargs: Any) -> Any:
        """Parse the JSON body as Flask does, then clean its strings."""
        return clean_value(super().get_json(*args, **kwargs))
