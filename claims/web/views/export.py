"""Verdict reports: the export page and the streamed CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context

from claims.csvsafe import csv_lines, separator
from claims.ratings import SCALE
from claims.services.claims import language_codes, source_names
from claims.services.export import CSV_HEADER, verdict_rows
from claims.web.extensions import get_session
from claims.web.helpers import filters_from
from claims.web.i18n import interface_language

bp = Blueprint("export", __name__, url_prefix="/export")


@bp.get("")
def index():
    """Show the export filters."""
    db = get_session()
    return render_template(
        "export.html",
        scale=SCALE,
        sources=source_names(db),
        languages=language_codes(db),
        default_separator=separator(None, interface_language()).replace("\t", "tab"),
    )


@bp.get("/verdicts.csv")
def verdicts_csv():
    """Stream the verdict report as UTF-8 CSV with a BOM, split by `sep` (, ; or tab)."""
    delimiter = separator(request.args.get("sep"), interface_language())
    rows = verdict_rows(get_session(), filters_from(request.args))
    return Response(
        stream_with_context(csv_lines(CSV_HEADER, rows, delimiter)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="verdicts.csv"'},
    )
