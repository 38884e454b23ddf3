"""Opening a write transaction the ledger can trust, on SQLite and on PostgreSQL.

pysqlite's default opens transactions lazily (deferred), so two processes can both read a
balance of 100 and both spend it; ``with_for_update()`` compiles to nothing on SQLite. Here
every ledger write runs in ``BEGIN IMMEDIATE``, which takes SQLite's write lock before the first
read. On PostgreSQL the poster locks the chain head and the accounts (in id order), and the
whole unit of work is retried on serialization failures and deadlocks.
"""

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, scoped_session

from ledger.statements import execute_on_driver

T = TypeVar("T")

IMMEDIATE = "ledger_begin_immediate"
_IN_TRANSACTION = "ledger_write_transaction"
_FLUSHED = "ledger_flushed_uncommitted"

# PostgreSQL SQLSTATEs worth retrying: serialization_failure, deadlock_detected, lock_not_available.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # a posting acknowledged is a posting on disk, even on power loss
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    # Without it, INSERT OR REPLACE deletes the old row without firing DELETE triggers.
    "PRAGMA recursive_triggers=ON",
)


def configure_engine(engine: Engine) -> Engine:
    """Make ``engine`` fit for the ledger: SQLite pragmas and explicit BEGIN handling.

    Safe to call more than once. PostgreSQL engines are returned unchanged.
    """
    if engine.dialect.name != "sqlite" or getattr(engine, "_ledger_configured", False):
        return engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Hand transaction control to SQLAlchemy's begin event below (the SQLAlchemy recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        # On the driver, not through exec_driver_sql: this runs before every write transaction.
        execute_on_driver(conn, "BEGIN IMMEDIATE" if immediate else "BEGIN")

    engine._ledger_configured = True
    return engine


def run_in_transaction(session: Session, work: Callable[[], T], *, attempts: int = 8) -> T:
    """Run ``work()`` in one write transaction and commit it; return what it returned.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``. When the database reports a
    retryable conflict (PostgreSQL serialization failure or deadlock, SQLite still busy after
    its timeout) everything is rolled back and ``work`` runs again, up to ``attempts`` times, so
    ``work`` must only touch the database through ``session``. Any other exception rolls back
    and propagates: nothing is half-written.

    The session must not hold unflushed or uncommitted changes when called (they would be
    committed with, or lost by, this transaction); a read-only transaction is ended first.
    """
    if isinstance(session, scoped_session):
        session = session()  # the thread's actual Session (Flask-SQLAlchemy hands out the proxy)
    if session.in_transaction():
        if has_uncommitted_changes(session):
            raise RuntimeError("run_in_transaction called with pending changes in the session")
        session.rollback()
    for attempt in range(1, attempts + 1):
        try:
            session.connection(execution_options={IMMEDIATE: True})
            session.info[_IN_TRANSACTION] = True
            result = work()
            session.commit()
            return result
        except DBAPIError as exc:
            session.rollback()
            if attempt == attempts or not is_retryable(exc):
                raise
            time.sleep(min(0.5, 0.01 * 2**attempt) * random.random())
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(_IN_TRANSACTION, None)
    raise AssertionError("unreachable")


def has_uncommitted_changes(session: Session) -> bool:
    """True when ``session`` holds work a commit would write: objects added, changed or deleted
    and not yet flushed, or statements flushed in the open transaction and not yet committed.

    A read-only transaction gives False (ending it loses nothing).
    """
    if isinstance(session, scoped_session):
        session = session()
    return bool(session.new or session.dirty or session.deleted or session.info.get(_FLUSHED))


def in_write_transaction(session: Session) -> bool:
    """True inside :func:`run_in_transaction`: the only place ledger writes are allowed."""
    return bool(session.info.get(_IN_TRANSACTION))


def is_retryable(exc: DBAPIError) -> bool:
    """Whether the database refused only because of a concurrent transaction."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


# Remember whether the open transaction has written anything, so run_in_transaction can tell a
# read-only transaction (safe to end) from uncommitted work (which it must not drop or commit).
@event.listens_for(Session, "after_flush")
def _mark_flushed(session, flush_context):
    session.info[_FLUSHED] = True


@event.listens_for(Session, "after_transaction_end")
def _clear_flushed(session, transaction):
    if transaction.parent is None:
        session.info.pop(_FLUSHED, None)
