"""CSV cells that spreadsheets cannot execute (formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from claims.errors import InvalidInput

# A spreadsheet treats a cell starting with any of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel in a French locale splits on ";" (the comma is the decimal mark there), elsewhere ",".
SEPARATORS = {",": ",", ";": ";", "tab": "\t", "\t": "\t", "comma": ",", "semicolon": ";"}
LOCALE_SEPARATORS = {"fr": ";"}


def separator(name: str | None, language: str) -> str:
    """Return the separator a `sep` option names, or the one spreadsheets in `language` expect."""
    if name is None or not name.strip(" "):
        return LOCALE_SEPARATORS.get(language, ",")
    try:
        return SEPARATORS[name.strip(" ").lower()]
    except KeyError:
        raise InvalidInput(
            f"The separator {name!r} is not one the report offers; use , (comma), ; "
            "(semicolon) or tab."
        ) from None


def neutralise(value: object) -> str:
    """Return the cell as text, prefixed with ' when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_lines(
    header: list[str], rows: Iterable[list[object]], delimiter: str = ","
) -> Iterator[str]:
    """Yield a UTF-8-BOM CSV one line at a time, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([neutralise(v) for v in header])
    yield "\ufeff" + _drain(buffer)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    """Return what the buffer holds and empty it."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
