"""The dashboard: verdict, source and language counts, weekly output, backlog and conflicts."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, render_template

from claims.auth import require_role
from claims.db import get_session
from claims.services.dashboard import dashboard_stats

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@require_role("viewer")
def index():
    """Show the dashboard; the charts read the same numbers from a JSON block."""
    stats = dashboard_stats(get_session())
    return render_template("dashboard.html", stats=stats, data=asdict(stats))
