"""The scheduler process: ``flask scheduler run`` starts it, one per deployment.

APScheduler calls :func:`tick` every minute (and once at start, which catches up whatever was
missed while it was down). Each tick asks the database which periods are due and claims them, so
a second scheduler started by mistake, or a cron ``run-once`` at the same moment, never runs a
period twice: the ``job_runs`` row decides.
"""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from incentives.extensions import db
from incentives.scheduler.registry import load_jobs
from incentives.scheduler.runs import Clock, Outcome, process_owner, run_due
from ledger.models import utcnow

log = logging.getLogger(__name__)

TICK_SECONDS = 60


def zone_of(app: Flask) -> ZoneInfo:
    return ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])


def tick(app: Flask, now: datetime | None = None, *, only: str | None = None,
         clock: Clock = utcnow) -> list[Outcome]:
    """Run every due period this process can claim, as of ``now`` (naive UTC; default: now).

    ``now`` only decides which periods are due; each run's start, end, retry time and lease are
    read from ``clock`` when they happen."""
    with app.app_context():
        try:
            return run_due(db.session, load_jobs(), now or clock(), zone_of(app), only=only,
                           owner=process_owner(), clock=clock)
        finally:
            db.session.remove()


def serve(app: Flask, *, tick_seconds: int = TICK_SECONDS) -> None:
    """Block, ticking every ``tick_seconds``, until interrupted (SIGINT/SIGTERM)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone=zone_of(app))

    def safe_tick():
        try:
            for outcome in tick(app):
                if outcome.status != "skipped":
                    log.info("%s %s: %s", outcome.job, outcome.period_key, outcome.status)
        except Exception:  # the database was down, say: log it and try again next minute
            log.exception("scheduler tick failed")

    scheduler.add_job(
        safe_tick, "interval", seconds=tick_seconds, id="tick",
        next_run_time=datetime.now(zone_of(app)),  # at once: catch up after downtime
        max_instances=1, coalesce=True, misfire_grace_time=None,
    )
    log.info("scheduler started (%s), ticking every %ss", process_owner(), tick_seconds)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
