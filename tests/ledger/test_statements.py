"""The posting's statements run on the driver connection: what they write is what Core would
have written, and the driver's errors come out as SQLAlchemy's."""

import sqlite3

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from ledger.chain import read_head, verify_chain
from ledger.models import Entry
from ledger.statements import ENTRY_COLUMNS, PostingStatements
from ledger.transaction import is_retryable, run_in_transaction
from tests.factories import fund, make_account


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
    assert run_in_transaction(session, lambda: 42) == 42  # retried once the lock is gone
