"""Write transactions: BEGIN IMMEDIATE on SQLite, rollback on failure, retries on conflicts."""

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ledger import AccountKind, open_account
from ledger.transaction import SQLITE_PRAGMAS, has_uncommitted_changes, run_in_transaction
from tests.factories import fund, make_account


def sqlite_only(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite behaviour")


def test_write_lock_is_taken_before_the_first_read(session, engine):
    sqlite_only(engine)
    other = sqlite3.connect(make_url(engine.url).database, timeout=0, isolation_level=None)

    def work():
        # Nothing written yet: with a deferred BEGIN another writer could still get in here.
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        return True

    assert run_in_transaction(session, work)
    other.execute("BEGIN IMMEDIATE")  # released at commit
    other.execute("ROLLBACK")
    other.close()


def test_sqlite_connection_is_configured_for_a_ledger(session, engine):
    sqlite_only(engine)
    values = {
        name: session.execute(text(f"PRAGMA {name}")).scalar()
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout",
                     "recursive_triggers")
    }
    assert values == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                      "busy_timeout": 30000, "recursive_triggers": 1}
    assert len(SQLITE_PRAGMAS) == len(values)


def test_failure_rolls_back_everything(session):
    household = make_account(session)
    fund(session, household, 10)

    def work():
        open_account(session, AccountKind.BUDGET, "half-written")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        run_in_transaction(session, work)
    assert session.execute(
        text("SELECT count(*) FROM ledger_accounts WHERE owner = 'half-written'")
    ).scalar() == 0


def test_pending_changes_are_not_silently_committed(session):
    open_account(session, AccountKind.BUDGET, "pending")
    with pytest.raises(RuntimeError, match="pending"):
        run_in_transaction(session, lambda: None)


def test_has_uncommitted_changes_tells_pending_work_from_a_read(session):
    session.execute(text("SELECT 1"))
    assert not has_uncommitted_changes(session)  # a read-only transaction
    account = open_account(session, AccountKind.HOUSEHOLD, "h:uncommitted")
    assert has_uncommitted_changes(session)  # added, not yet flushed
    session.flush()
    assert not session.new and has_uncommitted_changes(session)  # flushed, not committed
    session.rollback()
    assert not has_uncommitted_changes(session)
    assert account is not None
