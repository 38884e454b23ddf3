"""Running jobs exactly once per period: claim the period's row, run, record the outcome.

The database decides who runs. Claiming a period inserts its ``job_runs`` row; the UNIQUE
(job, period_key) constraint lets exactly one process succeed, however many schedulers race (on
SQLite every claim is also serialised by ``BEGIN IMMEDIATE``). A failed run is claimed again
after its backoff, by compare-and-set on its status and attempt count, until ``max_attempts``;
a run left "running" by a crashed process is claimed again once its lease has lapsed.

Every function takes ``now`` (naive UTC) from its caller: it decides which periods are due. The
run's own bookkeeping (started, finished, retry time, whether a lease has lapsed) reads ``clock``
afresh each time, so a long job earlier in a tick does not leave later runs with a lease that has
already lapsed; tests pass a clock of their own.

Every outcome is fenced: it is written only while the row is still ``running`` under the same
owner and attempt that claimed it. A process whose lease lapsed and whose run was taken over
finds no such row and drops its outcome ("lost lease") rather than overwrite the newer one.
"""

import json
import logging
import os
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session

from incentives.scheduler.models import JobRun, RunStatus
from incentives.scheduler.periods import Period, ended_since, parse_period
from incentives.scheduler.registry import Job, Registry
from ledger.models import utcnow
from ledger.transaction import has_uncommitted_changes, run_in_transaction

Clock = Callable[[], datetime]

log = logging.getLogger(__name__)

TEXT_LIMIT = 4000


@dataclass(frozen=True)
class Outcome:
    job: str
    period_key: str
    # a RunStatus; "skipped" when another process has it or it is done; "lost_lease" when it ran
    # but another process took it over meanwhile, so its outcome was not recorded
    status: str
    attempts: int = 0
    result: str | None = None
    error: str | None = None


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _plain(session: Session) -> Session:
    return session() if isinstance(session, scoped_session) else session


# -- claiming ------------------------------------------------------------------------------------


def claim_run(session: Session, job: Job, period: Period, now: datetime, owner: str, *,
              clock: Clock = utcnow) -> JobRun | None:
    """Claim ``period`` of ``job`` for ``owner``; the claimed row, or None when it is not ours to
    run (done, given up, running elsewhere, or waiting for its retry time). Commits."""

    def insert() -> JobRun:
        run = JobRun(
            job=job.name, period_key=period.key, period_start=period.start_utc,
            period_end=period.end_utc, status=RunStatus.RUNNING.value, attempts=1, owner=owner,
            started_at=clock(),
        )
        session.add(run)
        session.flush()
        return run

    try:
        return run_in_transaction(session, insert)
    except IntegrityError:
        pass  # the row exists: someone ran, runs, or failed this period; see whether we may retake it

    def retake() -> JobRun | None:
        run = session.execute(
            select(JobRun).where(JobRun.job == job.name, JobRun.period_key == period.key)
            .with_for_update().execution_options(populate_existing=True)
        ).scalar_one()
        moment = clock()
        # Compare-and-set on what we read; a running row only once its lease has lapsed, checked
        # again in SQL, so a live run is never given up or taken over.
        same = (JobRun.id == run.id, JobRun.status == run.status, JobRun.attempts == run.attempts,
                JobRun.owner == run.owner)
        if run.status == RunStatus.RUNNING:
            same += (JobRun.started_at <= moment - timedelta(seconds=job.lease_seconds),)
        if _lapsed(job, run, moment) and run.attempts >= job.max_attempts:
            # Its last attempt died with its process: give up and say so, as for an exception.
            gave_up = session.execute(
                update(JobRun).where(*same)
                .values(status=RunStatus.GAVE_UP.value, finished_at=moment,
                        error=f"RuntimeError: process {run.owner} stopped during the run (lease lapsed)")
                .execution_options(synchronize_session=False)
            ).rowcount
            if gave_up == 1:
                log.error("job %s period %s gave up: its last run's process stopped", job.name, period.key)
            return None
        if not _may_retake(job, run, moment):
            return None
        taken = session.execute(
            update(JobRun).where(*same)
            .values(status=RunStatus.RUNNING.value, attempts=run.attempts + 1, owner=owner,
                    started_at=moment, finished_at=None, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            return None
        session.refresh(run)
        return run

    return run_in_transaction(session, retake)


def _may_retake(job: Job, run: JobRun, moment: datetime) -> bool:
    if run.status == RunStatus.FAILED:
        return run.attempts < job.max_attempts and (run.next_attempt_at or moment) <= moment
    if run.status == RunStatus.RUNNING:
        # Its process died (or hangs) past the lease: the run counts as a failed attempt.
        return _lapsed(job, run, moment) and run.attempts < job.max_attempts
    return False


def _lapsed(job: Job, run: JobRun, moment: datetime) -> bool:
    return run.status == RunStatus.RUNNING and run.started_at + timedelta(seconds=job.lease_seconds) <= moment


# -- running -------------------------------------------------------------------------------------


def run_period(session: Session, job: Job, period: Period, now: datetime, *, owner: str | None = None,
               clock: Clock = utcnow) -> Outcome:
    """Run ``job`` for ``period`` if this process wins the claim; record and return the outcome.

    A job that raises is recorded as failed (its error kept) and retried after a backoff, or
    given up after ``job.max_attempts``; the exception does not propagate. When the run was
    taken over by another process meanwhile (our lease lapsed), its outcome is logged and
    dropped: the status becomes "lost_lease" and the row keeps the newer attempt's record.
    """
    session = _plain(session)
    owner = owner or process_owner()
    run = claim_run(session, job, period, now, owner, clock=clock)
    if run is None:
        return Outcome(job.name, period.key, "skipped")
    fence = (run.id, owner, run.attempts)
    attempts = run.attempts
    try:
        result = job.fn(session, period, now)
        if has_uncommitted_changes(session):
            raise RuntimeError("the job left changes it did not commit")
        summary = _summary(result)
    except Exception as exc:
        session.rollback()
        error = _error_text(exc)
        final = attempts >= job.max_attempts
        status = RunStatus.GAVE_UP if final else RunStatus.FAILED
        finished = clock()
        retry_at = None if final else finished + timedelta(seconds=job.retry_delay(attempts))
        if not _record(session, fence, status=status.value, finished_at=finished, error=error,
                       next_attempt_at=retry_at, result=None):
            return _lost(job, period, attempts, owner)
        # Reported: in the log (and so to whoever watches it) and on the job runs page.
        log.error("job %s period %s failed (attempt %s of %s): %s",
                  job.name, period.key, attempts, job.max_attempts, error.splitlines()[0])
        return Outcome(job.name, period.key, status.value, attempts, error=error)
    if not _record(session, fence, status=RunStatus.SUCCEEDED.value, finished_at=clock(), result=summary,
                   error=None, next_attempt_at=None):
        return _lost(job, period, attempts, owner)
    log.info("job %s period %s succeeded: %s", job.name, period.key, summary)
    return Outcome(job.name, period.key, RunStatus.SUCCEEDED.value, attempts, result=summary)


def _record(session: Session, fence: tuple[int, str, int], **values) -> bool:
    """Write the outcome if the run is still ours (same owner and attempt, still running)."""
    run_id, owner, attempts = fence
    if session.in_transaction():
        session.rollback()  # a job's read-only transaction, ended before ours
    return run_in_transaction(session, lambda: session.execute(
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.owner == owner, JobRun.attempts == attempts,
               JobRun.status == RunStatus.RUNNING.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1)


def _lost(job: Job, period: Period, attempts: int, owner: str) -> Outcome:
    log.error("job %s period %s: lost lease (attempt %s by %s was taken over); its outcome is discarded",
              job.name, period.key, attempts, owner)
    return Outcome(job.name, period.key, "lost_lease", attempts)


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
            owner: str | None = None, clock: Clock = utcnow) -> list[Outcome]:
    """Catch up every job (or ``only`` that one): run each due period this process can claim.

    ``now`` decides which periods are due; ``clock`` is read afresh for each run's bookkeeping."""
    session = _plain(session)
    outcomes = []
    for job in jobs:
        if only is not None and job.name != only:
            continue
        for period in due_periods(session, job, now, zone):
            outcomes.append(run_period(session, job, period, now, owner=owner, clock=clock))
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
