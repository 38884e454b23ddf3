"""Posting entries: validation, idempotency, balance rules, the chain, all in the caller's
transaction. A refused posting raises before anything is written."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Row, bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached, scoped_session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from ledger.chain import entry_hash
from ledger.errors import (
    IdempotencyConflict,
    InsufficientBalance,
    InvalidPosting,
    UnitMismatch,
    UnknownAccount,
)
from ledger.kinds import EntryKind
from ledger.models import Account, Entry, LedgerHead, utcnow
from ledger.transaction import in_write_transaction

MAX_KEY_LENGTH = 200
MAX_REASON_LENGTH = 500
# Keep IN (...) lists well under SQLite's and PostgreSQL's parameter limits.
_CHUNK = 500

# Fields a replayed key must repeat exactly; anything else is a different posting.
PAYLOAD_FIELDS = (
    "from_account_id",
    "to_account_id",
    "amount",
    "kind",
    "actor",
    "reason",
    "ref_type",
    "ref_id",
    "reverses_id",
)

# The statements, built once rather than at every call, and run as Core statements on the
# session's connection: every read is a fresh read of the rows under the lock, with no identity
# map in the way, and the ORM's per-statement overhead, which dominated the cost of a single
# posting, is not paid. _refresh_loaded() keeps the accounts and the head that the session has
# loaded up to date, as the ORM's flush did before.
_HEAD = LedgerHead.__table__
_ACCOUNTS = Account.__table__
_ENTRIES = Entry.__table__
_LOCK_HEAD = select(_HEAD.c.last_id, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_ENTRY_FOUND = select(
    _ENTRIES.c.id, _ENTRIES.c.idempotency_key, *(_ENTRIES.c[f] for f in PAYLOAD_FIELDS)
)
_FIND_KEYS = _ENTRY_FOUND.where(_ENTRIES.c.idempotency_key.in_(bindparam("keys", expanding=True)))
_ACCOUNT_LOCKED = (
    select(_ACCOUNTS.c.id, _ACCOUNTS.c.unit, _ACCOUNTS.c.limited, _ACCOUNTS.c.balance)
    .order_by(_ACCOUNTS.c.id)  # a fixed lock order: no deadlock between two posters
    .with_for_update()
)
_LOCK_ACCOUNTS = _ACCOUNT_LOCKED.where(_ACCOUNTS.c.id.in_(bindparam("ids", expanding=True)))
# The same two for a single posting (one key, two accounts): an expanding IN is rendered anew at
# every execution, which costs more than the query itself.
_FIND_KEY = _ENTRY_FOUND.where(_ENTRIES.c.idempotency_key == bindparam("key"))
_LOCK_TWO_ACCOUNTS = _ACCOUNT_LOCKED.where(
    _ACCOUNTS.c.id.in_([bindparam("first"), bindparam("second")])
)
_INSERT_ENTRIES = insert(_ENTRIES)
_SET_BALANCE = (
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("account_id"))
    .values(balance=bindparam("new_balance"))
)
_SET_HEAD = update(_HEAD).where(_HEAD.c.id == 1)

_ACCOUNT_KEY = Account.__mapper__.identity_key_from_primary_key
_ENTRY_KEY = Entry.__mapper__.identity_key_from_primary_key
_HEAD_KEY = LedgerHead.__mapper__.identity_key_from_primary_key((1,))


@dataclass(frozen=True)
class Posting:
    """What the caller asks for: move ``amount`` from one account to another, once per ``key``.

    ``actor`` and ``ref_type``/``ref_id`` are opaque references chosen by the caller (who did
    it; what caused it: a claim, an event, a credit, a redemption ...).
    """

    key: str
    from_account_id: int
    to_account_id: int
    amount: int
    kind: EntryKind | str
    actor: str
    reason: str
    ref_type: str | None = None
    ref_id: str | None = None
    reverses_id: int | None = None

    def payload(self) -> dict:
        values = {name: getattr(self, name) for name in PAYLOAD_FIELDS}
        values["kind"] = str(EntryKind(self.kind))
        values["ref_id"] = None if self.ref_id is None else str(self.ref_id)
        return values


def post(session: Session, posting: Posting) -> Entry:
    """Post one entry and return it; replaying its key returns the original entry.

    Raises :class:`InvalidPosting`, :class:`UnknownAccount`, :class:`UnitMismatch`,
    :class:`InsufficientBalance` or :class:`IdempotencyConflict`; nothing is written then.
    Must run inside :func:`ledger.transaction.run_in_transaction`.
    """
    session = _actual(session)
    (entry_id,), written = _post_many(session, [posting])
    if written:
        return _as_loaded(session, written[0])
    return session.get(Entry, entry_id)  # a replay: the original entry


def post_many(session: Session, postings: Sequence[Posting]) -> list[int]:
    """Post a batch all or nothing, in order; return the entry id of each posting.

    Balance limits are checked posting by posting in the given order, so a batch can fund an
    account and spend from it. Keys already in the ledger (or repeated within the batch) with the
    same payload return the original entry and write nothing; with another payload the whole
    batch is refused with :class:`IdempotencyConflict`.
    """
    ids, _ = _post_many(_actual(session), postings)
    return ids


def _actual(session: Session) -> Session:
    """The thread's actual Session behind a scoped_session (Flask-SQLAlchemy's ``db.session``)."""
    return session() if isinstance(session, scoped_session) else session


def _post_many(session: Session, postings: Sequence[Posting]) -> tuple[list[int], list[dict]]:
    """:func:`post_many`, also returning the rows of the entries it wrote."""
    if not in_write_transaction(session):
        raise RuntimeError("ledger postings must run inside run_in_transaction()")
    for posting in postings:
        _validate(posting)
    if not postings:
        return [], []

    # What an ORM query would autoflush first (the caller's pending changes) is written now.
    if session.autoflush:
        session.flush()
    conn = session.connection()

    # Locking the head serialises appends (on SQLite BEGIN IMMEDIATE already has), so the
    # idempotency check below cannot race another writer.
    last_id, prev_hash = conn.execute(_LOCK_HEAD).one()

    known = _existing_entries(conn, [p.key for p in postings])
    fresh: list[tuple[Posting, dict]] = []
    for posting in postings:
        if posting.key in known:
            _check_replay(posting, known[posting.key])
        else:
            payload = posting.payload()
            known[posting.key] = payload | {"id": None}
            fresh.append((posting, payload))
    if not fresh:
        return [known[p.key]["id"] for p in postings], []

    accounts = _lock_accounts(conn, [posting for posting, _ in fresh])
    balances = {account_id: account.balance for account_id, account in accounts.items()}
    rows = []
    for posting, payload in fresh:
        source, target = accounts[posting.from_account_id], accounts[posting.to_account_id]
        if source.unit != target.unit:
            raise UnitMismatch(
                f"cannot move {source.unit} from account {source.id} to {target.unit} "
                f"account {target.id}"
            )
        if source.limited and balances[source.id] < posting.amount:
            raise InsufficientBalance(source.id, balances[source.id], posting.amount)
        balances[source.id] -= posting.amount
        balances[target.id] += posting.amount
        last_id += 1
        row = payload | {
            "id": last_id,
            "idempotency_key": posting.key,
            "created_at": utcnow(),
            "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = entry_hash(row, prev_hash)
        known[posting.key]["id"] = last_id
        rows.append(row)

    conn.execute(_INSERT_ENTRIES, rows)
    changed = [
        {"account_id": account_id, "new_balance": balances[account_id]}
        for account_id, account in accounts.items()
        if balances[account_id] != account.balance
    ]
    if changed:
        conn.execute(_SET_BALANCE, changed)
    conn.execute(_SET_HEAD, {"last_id": last_id, "hash": prev_hash})
    _refresh_loaded(session, balances, last_id, prev_hash)
    return [known[p.key]["id"] for p in postings], rows


def lock_chain(session: Session) -> None:
    """Take the lock that serialises appends now, for a caller that must read the ledger and
    decide before posting (as :func:`ledger.reversal.reverse` does). Held until the transaction
    ends; :func:`post` taking it again is harmless."""
    if not in_write_transaction(session):
        raise RuntimeError("ledger postings must run inside run_in_transaction()")
    _actual(session).connection().execute(_LOCK_HEAD).one()


def _validate(posting: Posting) -> None:
    amount = posting.amount
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidPosting(f"amount must be a positive integer, not {amount!r}")
    if posting.from_account_id == posting.to_account_id:
        raise InvalidPosting("an entry moves points between two different accounts")
    if not posting.key or len(posting.key) > MAX_KEY_LENGTH:
        raise InvalidPosting(f"idempotency key must be 1 to {MAX_KEY_LENGTH} characters")
    if not posting.actor:
        raise InvalidPosting("every entry names its actor")
    if not posting.reason or len(posting.reason) > MAX_REASON_LENGTH:
        raise InvalidPosting(f"reason must be 1 to {MAX_REASON_LENGTH} characters")
    try:
        EntryKind(posting.kind)
    except ValueError:
        raise InvalidPosting(f"unknown entry kind {posting.kind!r}") from None


def _existing_entries(conn: Connection, keys: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    unique_keys = list(dict.fromkeys(keys))
    for start in range(0, len(unique_keys), _CHUNK):
        chunk = unique_keys[start : start + _CHUNK]
        if len(chunk) == 1:
            rows = conn.execute(_FIND_KEY, {"key": chunk[0]})
        else:
            rows = conn.execute(_FIND_KEYS, {"keys": chunk})
        for row in rows:
            found[row.idempotency_key] = dict(row._mapping)
    return found


def _check_replay(posting: Posting, original: dict) -> None:
    payload = posting.payload()
    for field in PAYLOAD_FIELDS:
        if payload[field] != original[field]:
            raise IdempotencyConflict(posting.key, field)


def _lock_accounts(conn: Connection, postings: list[Posting]) -> dict[int, Row]:
    ids = sorted({p.from_account_id for p in postings} | {p.to_account_id for p in postings})
    accounts: dict[int, Row] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        if len(chunk) == 2:
            rows = conn.execute(_LOCK_TWO_ACCOUNTS, {"first": chunk[0], "second": chunk[1]})
        else:
            rows = conn.execute(_LOCK_ACCOUNTS, {"ids": chunk})
        accounts.update((a.id, a) for a in rows)
    missing = [i for i in ids if i not in accounts]
    if missing:
        raise UnknownAccount(f"no account {missing[0]}")
    return accounts


def _refresh_loaded(
    session: Session, balances: dict[int, int], last_id: int, head_hash: str
) -> None:
    """Bring the accounts and the head already loaded in the session up to date with the rows just
    written with Core: committed values, as the ORM's own flush would leave them."""
    identity_map = session.identity_map
    loaded = [(identity_map.get(_ACCOUNT_KEY((i,))), {"balance": b}) for i, b in balances.items()]
    loaded.append((identity_map.get(_HEAD_KEY), {"last_id": last_id, "hash": head_hash}))
    nested = session.in_nested_transaction()
    for instance, values in loaded:
        if instance is None:
            continue
        for name, value in values.items():
            set_committed_value(instance, name, value)
            if nested:
                # A savepoint's rollback expires only what the ORM changed in it: mark these
                # changed too (the next flush writes the same values again) so it reloads them.
                flag_modified(instance, name)


def _as_loaded(session: Session, row: dict) -> Entry:
    """The entry just inserted as ``row``, persistent in the session as if ``session.get()`` had
    loaded it, without reading back what was just written."""
    if _ENTRY_KEY((row["id"],)) in session.identity_map:
        return session.get(Entry, row["id"])  # left by a rolled-back attempt: get() reloads it
    entry = Entry(**row)
    make_transient_to_detached(entry)  # all attributes loaded, no history: a clean identity
    session.add(entry)
    return entry
