"""The claims posting job under the scheduler: every ten minutes, once, and from the CLI."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from incentives.claims import services
from incentives.scheduler.models import JobRun
from incentives.scheduler.registry import load_jobs
from incentives.scheduler.runs import run_due
from ledger.balances import balance_of
from tests.incentives.claims.conftest import NOW, act, report

ZONE = ZoneInfo("Asia/Shanghai")
END = NOW + timedelta(days=7)


def test_the_scheduled_job_posts_claims_whose_notice_ended(session, world):
    claim = report(session, world)
    act(session, services.approve_claim, world.users.committee, claim.id, now=NOW)
    jobs = load_jobs()
    assert "claims.post_due" in jobs

    before = run_due(session, jobs, END - timedelta(minutes=1), ZONE, only="claims.post_due")
    assert [(o.status, o.result) for o in before] == [("succeeded", '{"posted": 0}')]
    assert balance_of(session, world.households.h1.account_id) == 0

    # The next ten-minute slot after the notice ended: posted once; the same slot again, nothing.
    after = run_due(session, jobs, END + timedelta(minutes=10), ZONE, only="claims.post_due")
    assert [(o.status, o.result) for o in after] == [("succeeded", '{"posted": 1}')]
    assert run_due(session, jobs, END + timedelta(minutes=11), ZONE, only="claims.post_due") == []
    session.expire_all()
    assert balance_of(session, world.households.h1.account_id) == 20


def test_run_once_from_the_cli_catches_up_and_reports(session, world, runner):
    claim = report(session, world)
    act(session, services.approve_claim, world.users.committee, claim.id, now=NOW)
    now = (END + timedelta(hours=1)).isoformat() + "+00:00"
    result = runner.invoke(args=["scheduler", "run-once", "--job", "claims.post_due", "--now", now])
    assert result.exit_code == 0, result.output
    assert 'claims.post_due 2026-11-27T08:50: succeeded {"posted": 1}' in result.output
    again = runner.invoke(args=["scheduler", "run-once", "--job", "claims.post_due", "--now", now])
    assert again.exit_code == 0 and "0 run(s)" in again.output
    session.expire_all()
    assert balance_of(session, world.households.h1.account_id) == 20
    rows = session.execute(select(JobRun.status)).scalars().all()
    assert rows == ["succeeded"]

    status = runner.invoke(args=["scheduler", "status"])
    assert status.exit_code == 0, status.output
    assert "claims.post_due [10min] succeeded 1" in status.output
    bad = runner.invoke(args=["scheduler", "run-once", "--job", "nope"])
    assert bad.exit_code != 0 and "no job" in bad.output
