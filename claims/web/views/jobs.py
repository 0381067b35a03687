"""The Jobs page: queued and running imports with progress, ETA and skipped articles."""

from __future__ import annotations

from flask import Blueprint, render_template

from claims.models import FINISHED_JOBS, Role
from claims.services.jobs import (
    errors_of,
    eta_seconds,
    get_job,
    list_jobs,
    stalled_seconds,
)
from claims.web.auth import require_role
from claims.web.extensions import get_session

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("")
@require_role(Role.VIEWER)
def index():
    """List the newest import jobs with their progress."""
    jobs = list_jobs(get_session())
    running = any(job.status not in FINISHED_JOBS for job in jobs)
    return render_template(
        "jobs/index.html", jobs=jobs, eta=eta_seconds, stalled=stalled_seconds, refresh=running
    )


@bp.get("/<id:job_id>")
@require_role(Role.VIEWER)
def show(job_id: int):
    """Show one job: progress bar, counts, ETA and the articles it skipped."""
    job = get_job(get_session(), job_id)
    return render_template(
        "jobs/show.html",
        job=job,
        eta=eta_seconds(job),
        stalled=stalled_seconds(job),
        skipped=errors_of(job),
        refresh=job.status not in FINISHED_JOBS,
    )
