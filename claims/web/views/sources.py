"""The sources: every outlet with its counts, and one outlet's articles and claims."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from claims.services.articles import list_articles
from claims.services.sources import get_source, list_sources
from claims.web.extensions import get_session
from claims.web.helpers import page_args

bp = Blueprint("sources", __name__, url_prefix="/sources")


@bp.get("")
def index():
    """List the sources, those with most articles first."""
    return render_template("sources/index.html", sources=list_sources(get_session()))


@bp.get("/<id:source_id>")
def show(source_id: int):
    """Show a source's counts and its articles, newest first."""
    session = get_session()
    summary = get_source(session, source_id)
    page, per_page = page_args(request.args)
    rows, total = list_articles(session, page, per_page, source_id)
    return render_template(
        "sources/show.html", summary=summary, rows=rows, total=total, page=page, per_page=per_page
    )
