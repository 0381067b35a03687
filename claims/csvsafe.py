"""CSV cells that spreadsheets cannot execute (formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

# A spreadsheet treats a cell starting with any of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """Return the cell as text, prefixed with ' when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_lines(header: list[str], rows: Iterable[list[object]]) -> Iterator[str]:
    """Yield a UTF-8-BOM CSV one line at a time, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
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
