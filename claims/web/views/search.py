"""The semantic search page."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from claims.services.claims import filter_choices
from claims.services.links import search_claims
from claims.web.extensions import fresh_index, get_session, services
from claims.web.helpers import filters_from, int_arg

bp = Blueprint("search", __name__)


@bp.get("/search")
def index():
    """Search prior claims by meaning and words, with filters."""
    db = get_session()
    query = request.args.get("q", "").strip()
    filters = filters_from(request.args)
    k = int_arg(request.args, "k", 20, 1, 100)
    results = (
        search_claims(db, services().embedder, fresh_index(), query, k, filters) if query else []
    )
    return render_template(
        "search.html",
        query=query,
        results=results,
        filters=filters,
        k=k,
        **filter_choices(db),
    )
