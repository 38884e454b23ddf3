"""The posting's statements run on the driver connection: what they write is what Core would
have written, and the driver's errors come out as SQLAlchemy's."""

import sqlite3

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from ledger import EntryKind, Posting, issuing_account, post
from ledger.chain import read_head, verify_chain
from ledger.models import Account, Entry
from ledger.statements import ENTRY_COLUMNS, PostingStatements
from ledger.transaction import is_retryable, run_in_transaction
from tests.factories import fund, make_account


def fund_in(session, account, amount):
    """Issue points inside the caller's transaction (fund() opens its own)."""
    return post(session, Posting(f"in-{account.id}-{amount}-{session.info.get('n', 0)}",
                                 issuing_account(session).id, account.id, amount, EntryKind.EARN,
                                 "test", "测试发放"))


def test_the_returned_entry_is_the_row_written(session):
    household = make_account(session)
    entry = fund(session, household, 25)
    assert inspect(entry).detached  # read after the commit without a query

    session.expunge_all()
    stored = session.get(Entry, entry.id)
    assert stored is not entry
    assert {c: getattr(entry, c) for c in ENTRY_COLUMNS} == {c: getattr(stored, c) for c in ENTRY_COLUMNS}
    assert read_head(session).hash == stored.hash
    assert verify_chain(session).ok


def test_a_refused_statement_raises_sqlalchemy_error_and_writes_nothing(session):
    household = make_account(session)
    entry = fund(session, household, 5)
    row = {c: getattr(entry, c) for c in ENTRY_COLUMNS} | {"id": entry.id + 1, "idempotency_key": "x"}
    row["amount"] = 0  # the database's CHECK refuses it

    def work():
        with PostingStatements(session.connection()) as statements:
            statements.insert_entries([row])

    with pytest.raises(IntegrityError) as refused:
        run_in_transaction(session, work)
    assert refused.value.orig is refused.value.__cause__  # the driver's own error, wrapped
    session.rollback()
    assert session.get(Entry, entry.id + 1) is None


def test_a_busy_database_at_begin_is_a_retryable_sqlalchemy_error(session, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite behaviour")
    session.connection().exec_driver_sql("PRAGMA busy_timeout=10")  # fail fast, not in 30 s
    session.rollback()
    other = sqlite3.connect(make_url(engine.url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError) as busy:
            run_in_transaction(session, lambda: None, attempts=1)
        assert is_retryable(busy.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert run_in_transaction(session, lambda: 42) == 42  # and writes again once the lock is gone


def postgresql_only(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL behaviour")


def test_a_lock_timeout_in_a_posting_is_retried(session, engine):
    postgresql_only(engine)
    household = make_account(session)
    other = engine.connect()
    other.exec_driver_sql("SELECT 1 FROM ledger_head WHERE id = 1 FOR UPDATE")  # another poster
    attempts = []

    def work():
        attempts.append(1)
        if len(attempts) == 1:
            session.connection().exec_driver_sql("SET LOCAL lock_timeout = '50ms'")
        else:
            other.rollback()  # the other poster has finished by the retry
        return fund_in(session, household, 5)

    entry = run_in_transaction(session, work)
    other.close()
    assert len(attempts) == 2 and entry.amount == 5
    assert verify_chain(session).ok


def test_a_connection_the_server_dropped_is_invalidated_and_replaced(session, engine):
    postgresql_only(engine)
    household = make_account(session)
    ids = run_in_transaction(session, lambda: (issuing_account(session).id, household.id))
    pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
    session.rollback()
    admin = create_engine(engine.url)  # not the pool's: that would hand back the same connection
    with admin.connect() as other:
        other.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        other.commit()
    admin.dispose()
    posting = Posting("after-drop", *ids, 5, EntryKind.EARN, "test", "测试发放")
    with pytest.raises(OperationalError) as lost:  # the posting's own statements meet the drop first
        run_in_transaction(session, lambda: post(session, posting))
    # The posting's own error, marked so the pool drops the connection; not a second error from
    # rolling back on a dead connection in its place.
    assert lost.value.connection_invalidated and "ledger_head" in lost.value.statement
    assert fund(session, household, 5).amount == 5  # a new connection from the pool


def test_a_posting_rolled_back_with_its_savepoint_leaves_the_session_as_before(session):
    household = make_account(session)
    fund(session, household, 10)
    account = session.get(Account, household.id)

    def work():
        savepoint = session.begin_nested()
        fund_in(session, household, 7)
        assert account.balance == 17
        savepoint.rollback()
        return account.balance

    assert run_in_transaction(session, work) == 10
    assert read_head(session).last_id == session.execute(select(func.max(Entry.id))).scalar_one()
