"""Append-only in the database too, and tampering that gets past the triggers is evident."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ledger.chain import verify_chain
from ledger.errors import AppendOnlyViolation
from ledger.models import Entry
from tests.factories import fund, make_account

COLUMNS = ("id, idempotency_key, from_account_id, to_account_id, amount, kind, actor, reason, "
           "ref_type, ref_id, reverses_id, created_at, prev_hash, hash")

COMMON_ATTACKS = {
    "update": "UPDATE ledger_entries SET amount = 999 WHERE id = 2",
    "delete": "DELETE FROM ledger_entries WHERE id = 2",
    "upsert-update": f"INSERT INTO ledger_entries ({COLUMNS}) SELECT {COLUMNS} FROM ledger_entries "
                     "WHERE id = 2 ON CONFLICT (id) DO UPDATE SET amount = 999",
}
SQLITE_ATTACKS = {
    "insert-or-replace": "INSERT OR REPLACE INTO ledger_entries SELECT * FROM ledger_entries WHERE id = 2",
    "replace": "REPLACE INTO ledger_entries SELECT * FROM ledger_entries WHERE id = 2",
    # A new id with an existing key: REPLACE would delete entry 2 to make room.
    "replace-by-key": "REPLACE INTO ledger_entries SELECT 50, idempotency_key, from_account_id, "
                      "to_account_id, 999, kind, actor, reason, ref_type, ref_id, reverses_id, "
                      "created_at, prev_hash, hash FROM ledger_entries WHERE id = 2",
}
POSTGRESQL_ATTACKS = {
    "truncate": "TRUNCATE ledger_entries CASCADE",
}


def attacks(dialect):
    extra = SQLITE_ATTACKS if dialect == "sqlite" else POSTGRESQL_ATTACKS
    return COMMON_ATTACKS | extra


@pytest.fixture
def ledger_with_entries(session):
    household = make_account(session)
    for amount in (10, 20, 30):
        fund(session, household, amount)
    return household


def snapshot(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT id, amount, hash FROM ledger_entries ORDER BY id")).all()


@pytest.mark.parametrize("attack", sorted(COMMON_ATTACKS | SQLITE_ATTACKS | POSTGRESQL_ATTACKS))
def test_database_refuses_changes_to_entries(engine, ledger_with_entries, attack):
    sql = attacks(engine.dialect.name).get(attack)
    if sql is None:
        pytest.skip(f"{attack} does not exist on {engine.dialect.name}")
    before = snapshot(engine)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.exec_driver_sql(sql)
    assert snapshot(engine) == before


def test_orm_refuses_to_update_or_delete_entries(session, ledger_with_entries):
    entry = session.get(Entry, 2)
    entry.amount = 999
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()
    session.delete(session.get(Entry, 2))
    with pytest.raises(AppendOnlyViolation):
        session.flush()


def drop_triggers(engine):
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for name in ("no_update", "no_delete", "no_replace"):
                conn.exec_driver_sql(f"DROP TRIGGER ledger_entries_{name}")
        else:
            conn.exec_driver_sql("DROP TRIGGER ledger_entries_no_update_delete ON ledger_entries")


def test_verify_names_the_entry_edited_by_hand(app, runner, engine, ledger_with_entries):
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE ledger_entries SET amount = 2000 WHERE id = 2")

    result = runner.invoke(args=["ledger", "verify"])

    assert result.exit_code == 1
    assert "entry 2:" in result.output and "content does not match" in result.output


def test_verify_notices_a_deleted_entry(app, runner, engine, ledger_with_entries):
    drop_triggers(engine)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET session_replication_role = replica")  # skip the FK check
        conn.exec_driver_sql("DELETE FROM ledger_entries WHERE id = 2")

    result = runner.invoke(args=["ledger", "verify"])

    assert result.exit_code == 1
    assert "entry 3:" in result.output


def test_verify_and_head_on_an_intact_ledger(app, runner, session, ledger_with_entries):
    last = fund(session, ledger_with_entries, 1)

    verified = runner.invoke(args=["ledger", "verify"])
    head = runner.invoke(args=["ledger", "head"])

    assert verified.exit_code == 0
    assert f"ok {last.id} entries, head {last.hash}" in verified.output
    assert head.output.strip() == f"{last.id} {last.hash}"


def test_verify_reports_progress_as_it_goes(session, ledger_with_entries):
    fund(session, ledger_with_entries, 1)  # four entries in all
    seen = []
    assert verify_chain(session, batch_size=3, progress=seen.append, every=2).ok
    assert seen == [2, 4]


def test_reconcile_catches_a_cached_balance_edited_by_hand(app, runner, engine, ledger_with_entries):
    assert runner.invoke(args=["ledger", "reconcile"]).exit_code == 0
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE ledger_accounts SET balance = 61 WHERE id = {ledger_with_entries.id}"
        )
    result = runner.invoke(args=["ledger", "reconcile"])
    assert result.exit_code == 1
    assert f"account {ledger_with_entries.id}: cached 61 != entries 60" in result.output
