"""``flask credits expire`` and the scheduled job return expired credits' points, once."""

from datetime import date, datetime

from sqlalchemy import select

from incentives.scheduler.registry import load_jobs, registry
from ledger.models import Account, Entry
from ledger.transaction import run_in_transaction
from redeem.credit_models import Credit
from redeem.credits import issue_batch


def test_the_command_settles_due_batches_once(app, session, place, runner):
    batch = run_in_transaction(session, lambda: issue_batch(
        session, budget_account_id=place.pool.id, region_id=place.village.id,
        village_ids=[place.village.id], name="敬老", points=25, count=4, expires_on=date(2025, 12, 31),
        expires_at=datetime(2025, 12, 31, 16, 0), actor="test", now=datetime(2025, 11, 29)))

    # --now replays the past (a future time is refused: it would expire credits early).
    early = runner.invoke(args=["credits", "expire", "--now", "2025-12-31T23:59:00+08:00"])
    due = runner.invoke(args=["credits", "expire", "--now", "2026-01-01T00:00:00+08:00"])
    again = runner.invoke(args=["credits", "expire", "--now", "2026-02-01T00:00:00+08:00"])
    future = runner.invoke(args=["credits", "expire", "--now", "2099-01-01T00:00:00+08:00"])

    assert early.exit_code == 0 and "settled 0 batches" in early.output
    assert due.exit_code == 0 and "settled 1 batches: 4 credits expired, 100 points returned" in due.output
    assert again.exit_code == 0 and "settled 0 batches" in again.output
    assert future.exit_code == 2 and "may not be in the future" in future.output
    session.rollback()
    session.expire_all()
    assert session.get(Account, place.pool.id).balance == 1000
    assert session.get(Account, batch.escrow_account_id).balance == 0
    states = session.execute(select(Credit.state).where(Credit.batch_id == batch.id)).scalars().all()
    assert states == ["expired"] * 4
    assert len(session.execute(select(Entry).where(Entry.kind == "expire")).scalars().all()) == 1


def test_the_job_is_registered_with_the_scheduler(app):
    with app.app_context():
        load_jobs()
    assert "credits.expire" in registry


def test_fund_pool_adds_points_once_per_key(app, session, place, runner):
    first = runner.invoke(args=["credits", "fund-pool", str(place.village.id), "500", "--sponsor", "县财政",
                                "--key", "2027-q1"])
    again = runner.invoke(args=["credits", "fund-pool", str(place.village.id), "500", "--sponsor", "县财政",
                                "--key", "2027-q1"])
    wrong = runner.invoke(args=["credits", "fund-pool", str(place.township.id), "500", "--sponsor", "x",
                                "--key", "k"])
    assert first.exit_code == 0 and "pool holds 1500 points" in first.output
    assert again.exit_code == 0 and "pool holds 1500 points" in again.output
    assert wrong.exit_code != 0 and "no village" in wrong.output
