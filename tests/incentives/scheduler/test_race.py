"""Two scheduler processes started at once (a second one by mistake, or cron beside the service):
each period still runs exactly once, because the job_runs row is claimed in the database."""

import multiprocessing
import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.scheduler.models import JobRun
from incentives.scheduler.registry import Registry
from incentives.scheduler.runs import run_due
from ledger.transaction import configure_engine

pytestmark = pytest.mark.slow

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 15)  # six months missed: July .. November are due
SCHEDULERS = 3


def _registry(log_path: str) -> Registry:
    registry = Registry()

    def work(session, period, now):
        with open(log_path, "a") as log:  # O_APPEND: every process's lines survive
            log.write(f"{period.key} {os.getpid()}\n")
        time.sleep(0.05)  # long enough for the others to try the same period meanwhile
        return {"pid": os.getpid()}

    registry.register("test.race", "month", work, catch_up=5)
    return registry


def _scheduler(url, name, log_path, barrier, results):
    engine = configure_engine(sa.create_engine(url))
    try:
        with Session(engine) as session:
            session.execute(select(1))
            session.rollback()
            barrier.wait(timeout=60)
            outcomes = run_due(session, _registry(log_path), NOW, ZONE, owner=name)
            results.put((name, [(o.period_key, o.status) for o in outcomes]))
    except BaseException as exc:
        results.put((name, repr(exc)))
    finally:
        engine.dispose()


def test_racing_schedulers_run_each_period_once(session, db_url, tmp_path):
    log_path = str(tmp_path / "runs.log")
    # June ran before the downtime; July to November are due.
    run_due(session, _registry(str(tmp_path / "june.log")), datetime(2026, 7, 5), ZONE, owner="before")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(SCHEDULERS)
    results = ctx.Queue()
    processes = [
        ctx.Process(target=_scheduler, args=(db_url, f"s{n}", log_path, barrier, results), daemon=True)
        for n in range(SCHEDULERS)
    ]
    for p in processes:
        p.start()
    outcomes = dict(results.get(timeout=90) for _ in processes)
    for p in processes:
        p.join(timeout=10)
    assert all(isinstance(v, list) for v in outcomes.values()), outcomes

    lines = open(log_path).read().split()
    ran = lines[0::2]
    expected = ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert sorted(ran) == expected  # every period once, none twice
    succeeded = sorted(k for v in outcomes.values() for k, status in v if status == "succeeded")
    assert succeeded == expected
    rows = session.execute(
        select(JobRun).where(JobRun.job == "test.race", JobRun.owner != "before")
    ).scalars().all()
    assert sorted(r.period_key for r in rows) == expected
    assert {(r.status, r.attempts) for r in rows} == {("succeeded", 1)}
    # Each row names the process that ran it, and that process says it ran it.
    for row in rows:
        assert (row.period_key, "succeeded") in outcomes[row.owner]
