"""The dashboard: verdict, source and language counts, weekly output, backlog and conflicts."""

from __future__ import annotations

from dataclasses import asdict, replace

from flask import Blueprint, render_template

from claims.models import Role
from claims.services.dashboard import Count, DashboardStats, dashboard_stats
from claims.web.auth import require_role
from claims.web.extensions import get_session
from claims.web.i18n import rating_label, translated

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@require_role(Role.VIEWER)
def index():
    """Show the dashboard; the charts read the same numbers from a JSON block."""
    stats = localised(dashboard_stats(get_session()))
    return render_template("dashboard.html", stats=stats, data=asdict(stats))


def localised(stats: DashboardStats) -> DashboardStats:
    """Label ratings and statuses in the reader's language, for the tables and the charts."""
    by_rating = tuple(replace(c, label=rating_label(c.key)) for c in stats.by_rating)
    by_status = tuple(_translated(c) for c in stats.backlog.by_status)
    return replace(stats, by_rating=by_rating, backlog=replace(stats.backlog, by_status=by_status))


def _translated(count: Count) -> Count:
    """Translate a count's label (an English msgid)."""
    return replace(count, label=translated(count.label))
