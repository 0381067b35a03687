"""Writing the verdict report as CSV from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from claims.cli.common import group, open_session, user_errors
from claims.csvsafe import csv_lines, separator
from claims.schemas import ClaimFilters, parse
from claims.services.export import CSV_HEADER, verdict_rows


def _filter_options(command):
    """Add the shared export filters to a command."""
    for name in ("rating", "source", "language", "date-to", "date-from"):
        command = click.option(f"--{name}", default=None)(command)
    return command


@group.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--sep",
    default=None,
    help="Separator: , ; or tab (default: ; when CLAIMS_LOCALE is fr, as French Excel expects).",
)
@_filter_options
def export(out: Path, sep: str | None, **options: str | None) -> None:
    """Write the verdict report as CSV, with the same filters as /export/verdicts.csv."""
    with user_errors():
        filters = parse(ClaimFilters, options)
        delimiter = separator(sep, current_app.config.get("CLAIMS_LOCALE", "en"))
    tmp = out.with_name(out.name + ".tmp")
    with open_session() as session, tmp.open("w", encoding="utf-8", newline="") as handle:
        rows = 0
        for line in csv_lines(CSV_HEADER, verdict_rows(session, filters), delimiter):
            handle.write(line)
            rows += 1
    tmp.replace(out)
    click.echo(f"Wrote {rows - 1} verdict(s) to {out}.")
