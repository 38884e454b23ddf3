"""Claim, run, record: each period runs once, failures are retried with backoff and then given
up, and missed periods are caught up after downtime. The clock is a parameter throughout."""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from incentives.scheduler.models import JobRun, RunStatus
from incentives.scheduler.periods import parse_period
from incentives.scheduler.registry import Registry
from incentives.scheduler.runs import claim_run, due_periods, run_due, run_period

ZONE = ZoneInfo("Asia/Shanghai")
# 1 December 2026, 00:05 in Shanghai: November has just ended.
NOW = datetime(2026, 11, 30, 16, 5)


@pytest.fixture
def calls():
    return []


@pytest.fixture
def jobs(calls):
    registry = Registry()

    @registry.job("test.monthly", "month", catch_up=12)
    def monthly(session, period, now):
        calls.append(("monthly", period.key))
        return {"period": period.key}

    return registry


def at(moment):
    """A clock stopped at ``moment``."""
    return lambda: moment


def due(session, registry, now, **options):
    """``run_due`` as of ``now``, with the clock stopped there too."""
    return run_due(session, registry, now, ZONE, clock=at(now), **options)


def runs(session, job="test.monthly"):
    session.rollback()
    return {
        r.period_key: r
        for r in session.execute(
            select(JobRun).where(JobRun.job == job).execution_options(populate_existing=True)
        ).scalars()
    }


def test_a_period_runs_once_and_records_start_end_and_result(session, jobs, calls):
    outcomes = due(session, jobs, NOW, owner="one")
    assert [(o.period_key, o.status) for o in outcomes] == [("2026-11", "succeeded")]
    assert calls == [("monthly", "2026-11")]
    run = runs(session)["2026-11"]
    assert (run.status, run.attempts, run.owner) == ("succeeded", 1, "one")
    assert run.started_at == run.finished_at == NOW
    assert run.period_start == datetime(2026, 10, 31, 16) and run.period_end == datetime(2026, 11, 30, 16)
    assert run.result == '{"period": "2026-11"}' and run.error is None

    # Later the same month, again and again, and from another scheduler: nothing runs twice.
    assert due(session, jobs, NOW + timedelta(days=3), owner="one") == []
    again = run_period(session, jobs["test.monthly"], parse_period("month", "2026-11", ZONE), NOW,
                       owner="two")
    assert again.status == "skipped"
    assert calls == [("monthly", "2026-11")]


def test_missed_periods_are_caught_up_on_start(session, jobs, calls):
    due(session, jobs, datetime(2026, 8, 5))  # runs July
    # Down from August to the middle of December.
    outcomes = due(session, jobs, datetime(2026, 12, 15))
    assert [o.period_key for o in outcomes] == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert [c[1] for c in calls] == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert {r.status for r in runs(session).values()} == {"succeeded"}


def test_catch_up_is_bounded_to_the_most_recent_periods(session, calls):
    registry = Registry()
    registry.register("test.slot", "10min", lambda s, p, n: calls.append(p.key), catch_up=1)
    due(session, registry, datetime(2026, 11, 29, 2, 1))
    # A day of downtime: one run for the latest slot, not 144.
    outcomes = due(session, registry, datetime(2026, 11, 30, 2, 3))
    assert [o.period_key for o in outcomes] == ["2026-11-30T09:50"]
    assert calls == ["2026-11-29T09:50", "2026-11-30T09:50"]


def test_a_failing_run_is_retried_with_backoff_then_given_up(session, calls, caplog, monkeypatch):
    # Alembic's fileConfig (run when the test database was migrated) disables existing loggers.
    monkeypatch.setattr(logging.getLogger("incentives.scheduler.runs"), "disabled", False)
    registry = Registry()

    def flaky(session, period, now):
        calls.append(now)
        raise RuntimeError("数据库暂时不可用")

    job = registry.register("test.flaky", "day", flaky, max_attempts=3, retry_seconds=60)
    t0 = datetime(2026, 11, 29, 16, 1)  # 00:01 on 30 November in Shanghai: the 29th has ended
    first = due(session, registry, t0)
    assert [(o.period_key, o.status, o.attempts) for o in first] == [("2026-11-29", "failed", 1)]
    assert "RuntimeError: 数据库暂时不可用" in first[0].error
    assert "test.flaky period 2026-11-29 failed (attempt 1 of 3)" in caplog.text
    run = runs(session, "test.flaky")["2026-11-29"]
    assert run.status == "failed" and run.next_attempt_at == t0 + timedelta(seconds=60)
    assert run.error.startswith("RuntimeError: 数据库暂时不可用")

    # Before the backoff has passed nothing is tried; after it, attempt 2; then 120 s for attempt 3.
    assert [o.status for o in due(session, registry, t0 + timedelta(seconds=59))] == ["skipped"]
    assert [o.attempts for o in due(session, registry, t0 + timedelta(seconds=60))] == [2]
    assert runs(session, "test.flaky")["2026-11-29"].next_attempt_at == t0 + timedelta(seconds=180)
    last = due(session, registry, t0 + timedelta(seconds=180))
    assert [(o.status, o.attempts) for o in last] == [("gave_up", 3)]
    assert len(calls) == 3
    # Given up: never tried again, and shown as such.
    assert [o.status for o in due(session, registry, t0 + timedelta(days=1, seconds=1))
            if o.period_key == "2026-11-29"] == []
    assert runs(session, "test.flaky")["2026-11-29"].status == RunStatus.GAVE_UP
    assert job.retry_delay(3) == 240


def test_a_retry_that_succeeds_records_success(session, calls):
    registry = Registry()

    def once_broken(session, period, now):
        calls.append(now)
        if len(calls) == 1:
            raise ValueError("first time fails")
        return {"ok": True}

    registry.register("test.once", "month", once_broken, retry_seconds=30)
    due(session, registry, NOW)
    outcomes = due(session, registry, NOW + timedelta(seconds=30))
    assert [(o.status, o.attempts) for o in outcomes] == [("succeeded", 2)]
    run = runs(session, "test.once")["2026-11"]
    assert (run.status, run.error, run.result) == ("succeeded", None, '{"ok": true}')
    assert run.next_attempt_at is None


def test_a_run_left_running_by_a_dead_process_is_taken_over_after_its_lease(session, calls):
    registry = Registry()
    job = registry.register("test.lease", "month", lambda s, p, n: calls.append(n), lease_seconds=600)
    period = parse_period("month", "2026-11", ZONE)
    assert claim_run(session, job, period, NOW, "crashed-host:1", clock=at(NOW))  # and then it died
    early, late = NOW + timedelta(seconds=599), NOW + timedelta(seconds=600)
    assert run_period(session, job, period, early, owner="b", clock=at(early)).status == "skipped"
    outcome = run_period(session, job, period, late, owner="b", clock=at(late))
    assert (outcome.status, outcome.attempts) == ("succeeded", 2)
    assert runs(session, "test.lease")["2026-11"].owner == "b"


def test_earlier_failed_periods_stay_due_until_they_succeed(session):
    registry = Registry()
    fail = {"2026-10": True}

    def job(session, period, now):
        if fail.get(period.key):
            raise RuntimeError("boom")

    registry.register("test.gap", "month", job, catch_up=3, retry_seconds=60)
    due(session, registry, datetime(2026, 11, 5))  # October fails
    due(session, registry, datetime(2026, 12, 5))  # November succeeds, October retried
    job_ = registry["test.gap"]
    assert [p.key for p in due_periods(session, job_, datetime(2026, 12, 5, 0, 5), ZONE)] == ["2026-10"]
    fail.clear()
    outcomes = due(session, registry, datetime(2026, 12, 5, 0, 5))
    assert [(o.period_key, o.status) for o in outcomes] == [("2026-10", "succeeded")]


def test_a_job_that_leaves_uncommitted_changes_fails(session):
    registry = Registry()

    def sloppy(session, period, now):
        session.add(JobRun(job="x", period_key="y", period_start=now, period_end=now, status="running",
                           owner="z", started_at=now))

    registry.register("test.sloppy", "month", sloppy)
    outcome, = due(session, registry, NOW)
    assert outcome.status == "failed" and "did not commit" in outcome.error
    assert "x" not in {r.job for r in session.execute(select(JobRun)).scalars()}


def test_a_last_attempt_whose_process_died_is_given_up(session, calls):
    registry = Registry()
    job = registry.register("test.dies", "month", lambda s, p, n: calls.append(n), lease_seconds=600,
                            max_attempts=1)
    period = parse_period("month", "2026-11", ZONE)
    assert claim_run(session, job, period, NOW, "crashed-host:1", clock=at(NOW)) is not None
    late = NOW + timedelta(seconds=600)
    assert run_period(session, job, period, late, owner="b", clock=at(late)).status == "skipped"
    run = runs(session, "test.dies")["2026-11"]
    assert run.status == "gave_up" and "crashed-host:1 stopped" in run.error
    assert calls == []


class Clock:
    """A clock the test moves by hand (and a job may move, to stand for the time it took)."""

    def __init__(self, moment):
        self.moment = moment

    def __call__(self):
        return self.moment


def test_a_run_taken_over_after_its_lease_cannot_overwrite_the_newer_outcome(session, caplog, monkeypatch):
    monkeypatch.setattr(logging.getLogger("incentives.scheduler.runs"), "disabled", False)
    registry = Registry()
    clock = Clock(NOW)
    period = parse_period("month", "2026-11", ZONE)

    def slow_then_fails(session, period, now):
        if clock.moment == NOW:
            # The first attempt hangs past its lease; meanwhile another scheduler takes the period
            # over and finishes it. Then the first attempt fails.
            clock.moment = NOW + timedelta(seconds=601)
            assert run_period(session, job, period, now, owner="b", clock=clock).status == "succeeded"
            raise RuntimeError("too late")
        return {"ok": True}

    job = registry.register("test.fenced", "month", slow_then_fails, lease_seconds=600, max_attempts=2)
    outcome = run_period(session, job, period, NOW, owner="a", clock=clock)
    assert (outcome.status, outcome.attempts) == ("lost_lease", 1)
    assert "lost lease" in caplog.text
    run = runs(session, "test.fenced")["2026-11"]
    # The success stands: the period is not run again.
    assert (run.status, run.owner, run.attempts, run.error) == ("succeeded", "b", 2, None)
    assert due(session, registry, NOW + timedelta(days=1)) == []


def test_a_success_after_the_lease_was_taken_over_is_not_recorded_over_the_running_attempt(session):
    registry = Registry()
    clock = Clock(NOW)
    period = parse_period("month", "2026-11", ZONE)
    seen = []

    def slow(session, period, now):
        seen.append(clock.moment)
        if len(seen) == 1:
            clock.moment = NOW + timedelta(seconds=601)
            # Taken over: "b" claims it (its own run, nested here, stands for another process).
            assert claim_run(session, job, period, now, "b", clock=clock) is not None
        return {"n": len(seen)}

    job = registry.register("test.fenced2", "month", slow, lease_seconds=600)
    assert run_period(session, job, period, NOW, owner="a", clock=clock).status == "lost_lease"
    run = runs(session, "test.fenced2")["2026-11"]
    assert (run.status, run.owner, run.attempts, run.finished_at) == ("running", "b", 2, None)


def test_a_live_lease_is_judged_by_the_clock_not_by_the_tick_time(session, calls):
    registry = Registry()
    job = registry.register("test.live", "month", lambda s, p, n: calls.append(n), lease_seconds=600,
                            max_attempts=1)
    period = parse_period("month", "2026-11", ZONE)
    assert claim_run(session, job, period, NOW, "a", clock=at(NOW)) is not None
    # A tick whose ``now`` is long past, but whose clock says the lease is still live: hands off.
    late_tick = NOW + timedelta(hours=2)
    assert run_period(session, job, period, late_tick, owner="b", clock=at(NOW + timedelta(seconds=10))
                      ).status == "skipped"
    run = runs(session, "test.live")["2026-11"]
    assert (run.status, run.owner) == ("running", "a") and calls == []


def test_each_run_of_a_tick_reads_the_clock_afresh(session):
    registry = Registry()
    clock = Clock(NOW)

    def long_job(session, period, now):
        clock.moment += timedelta(hours=2)  # it took two hours

    def failing(session, period, now):
        raise RuntimeError("boom")

    registry.register("test.a_long", "month", long_job)
    registry.register("test.b_after", "month", failing, lease_seconds=600, retry_seconds=60)
    outcomes = run_due(session, registry, NOW, ZONE, clock=clock)
    assert [o.status for o in outcomes] == ["succeeded", "failed"]
    long_run = runs(session, "test.a_long")["2026-11"]
    assert (long_run.started_at, long_run.finished_at) == (NOW, NOW + timedelta(hours=2))
    after = runs(session, "test.b_after")["2026-11"]
    later = NOW + timedelta(hours=2)
    assert (after.started_at, after.finished_at) == (later, later)
    # Its backoff counts from when it failed, not from the start of the tick.
    assert after.next_attempt_at == later + timedelta(seconds=60)
    assert [o.status for o in run_due(session, registry, NOW, ZONE, only="test.b_after",
                                      clock=at(later + timedelta(seconds=59)))] == ["skipped"]
