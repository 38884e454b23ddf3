"""``flask scheduler``: run the scheduled jobs (one long-running process), catch up once, status."""

import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from incentives.cli.clock import parse_now
from incentives.extensions import db
from incentives.scheduler.registry import load_jobs
from incentives.scheduler.runs import job_status
from incentives.scheduler.service import serve, tick

scheduler_cli = AppGroup("scheduler", help="Scheduled jobs: honour rolls, expiry, posting claims.")


@scheduler_cli.command("run")
@click.option("--tick", "tick_seconds", default=60, show_default=True, help="Seconds between checks.")
def run_command(tick_seconds: int):
    """Run the scheduler until stopped: one such process per deployment (not in web workers).

    At start it catches up the periods missed while it was down; a second one started by
    mistake does no harm (the job_runs table lets only one process run each period).
    """
    # The only long-running process without a web server's log: say what each tick did.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("incentives.scheduler.runs", "incentives.scheduler.service"):
        logging.getLogger(name).disabled = False  # a migration's fileConfig may have disabled them
    click.echo(f"scheduler: {', '.join(job.name for job in load_jobs())}; ctrl-c stops")
    serve(current_app._get_current_object(), tick_seconds=tick_seconds)


@scheduler_cli.command("run-once")
@click.option("--job", "only", help="Only this job (default: every job).")
@click.option("--now", "now_text", help="Run as if it were this time (ISO 8601; default: now).")
def run_once_command(only: str | None, now_text: str | None):
    """Catch up every due period once and exit (for cron, and tests). Exit 1 if a run failed."""
    if only and only not in load_jobs():
        raise click.BadParameter(f"no job {only!r}; see `flask scheduler status`", param_hint="--job")
    outcomes = tick(current_app._get_current_object(), parse_now(now_text), only=only)
    for o in outcomes:
        line = f"{o.job} {o.period_key}: {o.status}"
        if o.result:
            line += f" {o.result}"
        if o.error:
            line += f" (attempt {o.attempts}) {o.error.splitlines()[0]}"
        click.echo(line)
    ran = [o for o in outcomes if o.status != "skipped"]
    click.echo(f"{len(ran)} run(s), {len(outcomes) - len(ran)} skipped")
    if any(o.status in ("failed", "gave_up") for o in outcomes):
        sys.exit(1)


@scheduler_cli.command("status")
def status_command():
    """Each job's last run and its counts of runs by status. Exit 1 if any run was given up."""
    gave_up = False
    for row in job_status(db.session, load_jobs()):
        job, last = row["job"], row["last"]
        counts = ", ".join(f"{k} {v}" for k, v in sorted(row["counts"].items())) or "never ran"
        click.echo(f"{job.name} [{job.kind.value}] {counts}")
        if last is not None:
            click.echo(f"  last: {last.period_key} {last.status} (attempt {last.attempts}) "
                       f"started {last.started_at:%Y-%m-%d %H:%M:%S} UTC")
            if last.error:
                click.echo(f"  error: {last.error.splitlines()[0]}")
        click.echo(f"  last success: {row['last_success'] or '-'}")
        gave_up = gave_up or bool(row["counts"].get("gave_up"))
    if gave_up:
        sys.exit(1)
