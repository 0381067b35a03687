"""The dashboard: verdict, source and language counts, weekly output, backlog and conflicts."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, render_template

from claims.models import Role
from claims.services.dashboard import dashboard_stats
from claims.web.auth import require_role
from claims.web.extensions import get_session

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@require_role(Role.VIEWER)
def index():
    """Show the dashboard; the charts read the same numbers from a JSON block."""
    stats = dashboard_stats(get_session())
    return render_template("dashboard.html", stats=stats, data=asdict(stats))
