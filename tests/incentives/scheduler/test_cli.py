"""``flask scheduler run-once --now``: a past time catches up, a future one is refused."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from incentives.scheduler.models import JobRun


def test_run_once_refuses_a_time_in_the_future(session, runner):
    future = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    result = runner.invoke(args=["scheduler", "run-once", "--now", future])
    assert result.exit_code == 2
    assert "--now" in result.output and "future" in result.output
    # Nothing ran: no period was closed early.
    assert session.execute(select(func.count()).select_from(JobRun)).scalar_one() == 0


def test_run_once_accepts_a_time_a_few_seconds_ahead(session, runner):
    # Clocks of two machines drift a little: that is not "the future".
    soon = (datetime.now(UTC) + timedelta(seconds=20)).isoformat()
    result = runner.invoke(args=["scheduler", "run-once", "--job", "claims.post_due", "--now", soon])
    assert result.exit_code == 0, result.output
