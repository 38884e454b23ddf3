"""The SQL a posting runs, executed on the DB-API connection beneath the session's transaction.

Why not Core: a posting is six short statements, and SQLAlchemy's execution machinery (context,
parameter processing, result wrapping, events) cost about 50 µs each, more than SQLite needed
to run them; a durable single posting spent most of its time there. These statements are plain,
portable SQL built once per database from the tables' own metadata. Only the placeholder style,
``FOR UPDATE`` (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already holds the write lock) and each
column's bind conversion (SQLite stores datetimes as text) differ between the two databases.

They run on the same connection and in the same transaction as the session, so they commit or
roll back with it; driver errors are raised as SQLAlchemy's, so retries and error handling see
exactly what a Core statement would have raised. SQLAlchemy's echo and cursor events do not see
these statements.
"""

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from ledger.models import Account, Entry, LedgerHead

_ENTRIES = Entry.__table__
_ACCOUNTS = Account.__table__
_HEAD = LedgerHead.__table__
ENTRY_COLUMNS = tuple(column.name for column in _ENTRIES.columns)

# Written with "?" placeholders and "{lock}" where PostgreSQL takes its row locks; "{many}"
# stands for an IN list of as many placeholders as there are values.
_LOCK_HEAD = f"SELECT last_id, hash FROM {_HEAD.name} WHERE id = 1{{lock}}"
_LOCK_ACCOUNTS = (
    f"SELECT id, unit, limited, balance FROM {_ACCOUNTS.name} WHERE id IN ({{many}}) "
    "ORDER BY id{lock}"  # a fixed lock order: no deadlock between two posters
)
_INSERT_ENTRY = (
    f"INSERT INTO {_ENTRIES.name} ({', '.join(ENTRY_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(ENTRY_COLUMNS))})"
)
_SET_BALANCE = f"UPDATE {_ACCOUNTS.name} SET balance = ? WHERE id = ?"
_SET_HEAD = f"UPDATE {_HEAD.name} SET last_id = ?, hash = ? WHERE id = 1"


@lru_cache(maxsize=8)
def _find_entries(columns: tuple[str, ...]) -> str:
    return f"SELECT {', '.join(columns)} FROM {_ENTRIES.name} WHERE idempotency_key IN ({{many}})"


@lru_cache(maxsize=256)
def _render(template: str, dialect_name: str, paramstyle: str, many: int = 0) -> str:
    sql = template.format(
        lock=" FOR UPDATE" if dialect_name == "postgresql" else "",
        many=", ".join("?" * many),
    )
    if paramstyle in ("format", "pyformat"):
        sql = sql.replace("?", "%s")
    elif paramstyle != "qmark":
        raise NotImplementedError(f"ledger statements do not support the {paramstyle} paramstyle")
    return sql


@lru_cache(maxsize=8)
def _entry_converters(dialect: Dialect) -> tuple[tuple[int, Callable], ...]:
    # What Core would do to a value bound for an entry column (SQLite: datetime to text), by
    # column position; most columns need nothing.
    processors = (column.type.dialect_impl(dialect).bind_processor(dialect) for column in _ENTRIES.columns)
    return tuple((n, process) for n, process in enumerate(processors) if process is not None)


class PostingStatements:
    """The statements of a posting, on the DB-API connection beneath ``conn`` (a session's
    connection inside its write transaction). Use as a context manager: it holds one cursor."""

    def __init__(self, conn: Connection):
        self._conn = conn
        self._dialect = conn.dialect
        self._cursor = conn.connection.dbapi_connection.cursor()

    def __enter__(self) -> "PostingStatements":
        return self

    def __exit__(self, *exc_info) -> None:
        self._cursor.close()

    def lock_head(self) -> tuple[int, str]:
        """Read the chain head (last entry id, its hash), locking it on PostgreSQL."""
        return self._execute(_LOCK_HEAD).fetchone()

    def find_entries(self, columns: tuple[str, ...], keys: Sequence[str]) -> list[dict]:
        """The entries holding any of ``keys`` (at most a few hundred), as dicts of ``columns``."""
        rows = self._execute(_find_entries(columns), keys, many=len(keys)).fetchall()
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def lock_accounts(self, ids: Sequence[int]) -> list[tuple]:
        """``(id, unit, limited, balance)`` of the accounts in ``ids``, locked in id order."""
        return self._execute(_LOCK_ACCOUNTS, ids, many=len(ids)).fetchall()

    def insert_entries(self, rows: Sequence[dict]) -> None:
        """Insert entries given as dicts holding every column."""
        converters = _entry_converters(self._dialect)
        values = []
        for row in rows:
            value = [row[column] for column in ENTRY_COLUMNS]
            for n, convert in converters:
                value[n] = convert(value[n])
            values.append(tuple(value))
        self._execute_many(_INSERT_ENTRY, values)

    def set_balances(self, balances: Iterable[tuple[int, int]]) -> None:
        """Set each ``(account_id, balance)``."""
        self._execute_many(_SET_BALANCE, [(balance, account_id) for account_id, balance in balances])

    def set_head(self, last_id: int, head_hash: str) -> None:
        """Move the chain head to the entry just appended."""
        self._execute(_SET_HEAD, (last_id, head_hash))

    def _execute(self, template: str, params: Sequence = (), *, many: int = 0):
        return self._run(template, tuple(params), many=many)

    def _execute_many(self, template: str, rows: list[tuple]) -> None:
        if len(rows) == 1:
            self._execute(template, rows[0])  # executemany's set-up costs more than one row
        elif rows:
            self._run(template, rows, multi=True)

    def _run(self, template: str, params, *, many: int = 0, multi: bool = False):
        dialect = self._dialect
        sql = _render(template, dialect.name, dialect.paramstyle, many)
        _run(self._conn, self._cursor, sql, params, multi)
        return self._cursor


def execute_on_driver(conn: Connection, sql: str) -> None:
    """Run ``sql``, a statement without parameters, on the DB-API connection beneath ``conn``."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        _run(conn, cursor, sql, ())
    finally:
        cursor.close()


def _run(conn: Connection, cursor, sql: str, params, multi: bool = False) -> None:
    dialect = conn.dialect
    try:
        if multi:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
    except dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy would raise it (OperationalError, IntegrityError ... wrapping the driver's
        # error), with its care for the logs and for a connection the server dropped.
        lost = dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
        if lost:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            sql, params, exc, dialect.loaded_dbapi.Error, hide_parameters=conn.engine.hide_parameters,
            connection_invalidated=lost, dialect=dialect, ismulti=multi,
        ) from exc
