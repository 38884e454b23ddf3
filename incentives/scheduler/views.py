"""``/admin/jobs``: the scheduled jobs' runs, results and errors, for township and county admins."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from incentives.extensions import db
from incentives.permissions import Action, regions_for, require
from incentives.scheduler.models import STATUS_LABELS
from incentives.scheduler.registry import load_jobs
from incentives.scheduler.runs import job_status, recent_runs

bp = Blueprint("scheduler", __name__, url_prefix="/admin/jobs")

PAGE = 100


@bp.get("/")
@login_required
def runs():
    require(bool(regions_for(current_user, Action.VIEW_JOB_RUNS)))
    jobs = load_jobs()
    only = request.args.get("job")
    if only not in jobs:
        only = None
    return render_template(
        "scheduler/runs.html",
        statuses=job_status(db.session, jobs),
        runs=recent_runs(db.session, limit=PAGE, job=only),
        jobs=jobs,
        only=only,
        status_labels={k.value: v for k, v in STATUS_LABELS.items()},
    )
