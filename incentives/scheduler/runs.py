"""Running jobs exactly once per period: claim the period's row, run, record the outcome.

The database decides who runs. Claiming a period inserts its ``job_runs`` row; the UNIQUE
(job, period_key) constraint lets exactly one process succeed, however many schedulers race (on
SQLite every claim is also serialised by ``BEGIN IMMEDIATE``). A failed run is claimed again
after its backoff, by compare-and-set on its status and attempt count, until ``max_attempts``;
a run left "running" by a crashed process is claimed again once its lease has lapsed.

Every function takes ``now`` (naive UTC) from its caller, so tests move the clock.
"""

import json
import logging
import os
import socket
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session

from incentives.scheduler.models import JobRun, RunStatus
from incentives.scheduler.periods import Period, ended_since, parse_period
from incentives.scheduler.registry import Job, Registry
from ledger.transaction import _FLUSHED, run_in_transaction

log = logging.getLogger(__name__)

TEXT_LIMIT = 4000


@dataclass(frozen=True)
class Outcome:
    job: str
    period_key: str
    status: str  # a RunStatus, or "skipped" when another process has it or it is done
    attempts: int = 0
    result: str | None = None
    error: str | None = None


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _plain(session: Session) -> Session:
    return session() if isinstance(session, scoped_session) else session


# -- claiming ------------------------------------------------------------------------------------


def claim_run(session: Session, job: Job, period: Period, now: datetime, owner: str) -> JobRun | None:
    """Claim ``period`` of ``job`` for ``owner``; the claimed row, or None when it is not ours to
    run (done, given up, running elsewhere, or waiting for its retry time). Commits."""

    def insert() -> JobRun:
        run = JobRun(
            job=job.name, period_key=period.key, period_start=period.start_utc,
            period_end=period.end_utc, status=RunStatus.RUNNING.value, attempts=1, owner=owner,
            started_at=now,
        )
        session.add(run)
        session.flush()
        return run

    try:
        return run_in_transaction(session, insert)
    except IntegrityError:
        pass  # the row exists: someone ran, runs, or failed this period; see whether we may retry

    def retake() -> JobRun | None:
        run = session.execute(
            select(JobRun).where(JobRun.job == job.name, JobRun.period_key == period.key)
            .with_for_update().execution_options(populate_existing=True)
        ).scalar_one()
        if _lapsed(job, run, now) and run.attempts >= job.max_attempts:
            # Its last attempt died with its process: give up and say so, as for an exception.
            session.execute(
                update(JobRun).where(JobRun.id == run.id, JobRun.status == RunStatus.RUNNING.value)
                .values(status=RunStatus.GAVE_UP.value, finished_at=now,
                        error=f"RuntimeError: process {run.owner} stopped during the run (lease lapsed)")
                .execution_options(synchronize_session=False)
            )
            log.error("job %s period %s gave up: its last run's process stopped", job.name, period.key)
            return None
        if not _may_retake(job, run, now):
            return None
        # Compare-and-set: only the process that still sees this status and count takes it.
        taken = session.execute(
            update(JobRun)
            .where(JobRun.id == run.id, JobRun.status == run.status, JobRun.attempts == run.attempts)
            .values(status=RunStatus.RUNNING.value, attempts=run.attempts + 1, owner=owner,
                    started_at=now, finished_at=None, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            return None
        session.refresh(run)
        return run

    return run_in_transaction(session, retake)


def _may_retake(job: Job, run: JobRun, now: datetime) -> bool:
    if run.status == RunStatus.FAILED:
        return run.attempts < job.max_attempts and (run.next_attempt_at or now) <= now
    if run.status == RunStatus.RUNNING:
        # Its process died (or hangs) past the lease: the run counts as a failed attempt.
        return _lapsed(job, run, now) and run.attempts < job.max_attempts
    return False


def _lapsed(job: Job, run: JobRun, now: datetime) -> bool:
    return run.status == RunStatus.RUNNING and run.started_at + timedelta(seconds=job.lease_seconds) <= now


# -- running -------------------------------------------------------------------------------------


def run_period(session: Session, job: Job, period: Period, now: datetime, *, owner: str | None = None
               ) -> Outcome:
    """Run ``job`` for ``period`` if this process wins the claim; record and return the outcome.

    A job that raises is recorded as failed (its error kept) and retried after a backoff, or
    given up after ``job.max_attempts``; the exception does not propagate.
    """
    session = _plain(session)
    owner = owner or process_owner()
    run = claim_run(session, job, period, now, owner)
    if run is None:
        return Outcome(job.name, period.key, "skipped")
    run_id, attempts = run.id, run.attempts
    try:
        result = job.fn(session, period, now)
        if session.new or session.dirty or session.deleted or session.info.get(_FLUSHED):
            raise RuntimeError("the job left changes it did not commit")
        summary = _summary(result)
    except Exception as exc:
        session.rollback()
        error = _error_text(exc)
        final = attempts >= job.max_attempts
        status = RunStatus.GAVE_UP if final else RunStatus.FAILED
        retry_at = None if final else now + timedelta(seconds=job.retry_delay(attempts))
        _record(session, run_id, status=status.value, finished_at=now, error=error,
                next_attempt_at=retry_at, result=None)
        # Reported: in the log (and so to whoever watches it) and on the job runs page.
        log.error("job %s period %s failed (attempt %s of %s): %s",
                  job.name, period.key, attempts, job.max_attempts, error.splitlines()[0])
        return Outcome(job.name, period.key, status.value, attempts, error=error)
    _record(session, run_id, status=RunStatus.SUCCEEDED.value, finished_at=now, result=summary,
            error=None, next_attempt_at=None)
    log.info("job %s period %s succeeded: %s", job.name, period.key, summary)
    return Outcome(job.name, period.key, RunStatus.SUCCEEDED.value, attempts, result=summary)


def _record(session: Session, run_id: int, **values) -> None:
    if session.in_transaction():
        session.rollback()  # a job's read-only transaction, ended before ours
    run_in_transaction(session, lambda: session.execute(
        update(JobRun).where(JobRun.id == run_id).values(**values)
        .execution_options(synchronize_session=False)
    ))


def _summary(result) -> str:
    text = json.dumps(result, ensure_ascii=False, default=str, sort_keys=True)
    return text[:TEXT_LIMIT]


def _error_text(exc: BaseException) -> str:
    lines = traceback.format_exception(exc)
    # The message first (what the admin reads), then the innermost frames (what a developer needs).
    text = f"{type(exc).__name__}: {exc}\n" + "".join(lines[-6:])
    return text[:TEXT_LIMIT]


# -- what is due ---------------------------------------------------------------------------------


def last_success(session: Session, job: Job, zone: tzinfo) -> Period | None:
    key = session.execute(
        select(JobRun.period_key)
        .where(JobRun.job == job.name, JobRun.status == RunStatus.SUCCEEDED.value)
        .order_by(JobRun.period_start.desc()).limit(1)
    ).scalar_one_or_none()
    return None if key is None else parse_period(job.kind, key, zone)


def due_periods(session: Session, job: Job, now: datetime, zone: tzinfo) -> list[Period]:
    """The periods worth claiming now, oldest first: every ended period since the last success
    (at most ``job.catch_up`` of them; only the latest when the job has never succeeded), and
    earlier periods whose run failed or lapsed and may still be retried."""
    after = last_success(session, job, zone)
    limit = job.catch_up if after is not None else min(job.catch_up, 1)
    periods = {p.key: p for p in ended_since(job.kind, after, now, zone, limit=limit)}
    unfinished = session.execute(
        select(JobRun.period_key).where(
            JobRun.job == job.name,
            JobRun.status.in_([RunStatus.FAILED.value, RunStatus.RUNNING.value]),
        )
    ).scalars()
    for key in unfinished:
        periods.setdefault(key, parse_period(job.kind, key, zone))
    session.rollback()  # end the read: claims open their own write transactions
    return sorted(periods.values(), key=lambda p: p.start)


def run_due(session: Session, jobs: Registry, now: datetime, zone: tzinfo, *, only: str | None = None,
            owner: str | None = None) -> list[Outcome]:
    """Catch up every job (or ``only`` that one): run each due period this process can claim."""
    session = _plain(session)
    outcomes = []
    for job in jobs:
        if only is not None and job.name != only:
            continue
        for period in due_periods(session, job, now, zone):
            outcomes.append(run_period(session, job, period, now, owner=owner))
    return outcomes


def recent_runs(session: Session, *, limit: int = 100, job: str | None = None) -> list[JobRun]:
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    if job:
        query = query.where(JobRun.job == job)
    return list(session.execute(query).scalars())


def job_status(session: Session, jobs: Registry) -> list[dict]:
    """Per job: its last run, its last success, and how many runs failed or were given up."""
    rows = []
    for job in jobs:
        last = session.execute(
            select(JobRun).where(JobRun.job == job.name)
            .order_by(JobRun.period_start.desc(), JobRun.id.desc()).limit(1)
        ).scalar_one_or_none()
        counts = dict(session.execute(
            select(JobRun.status, func.count()).where(JobRun.job == job.name).group_by(JobRun.status)
        ).all())
        succeeded = session.execute(
            select(func.max(JobRun.period_key))
            .where(JobRun.job == job.name, JobRun.status == RunStatus.SUCCEEDED.value)
        ).scalar_one()
        rows.append({"job": job, "last": last, "last_success": succeeded, "counts": counts})
    return rows
