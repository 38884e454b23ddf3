"""Posting entries: validation, idempotency, balance rules, the chain, all in the caller's
transaction. A refused posting raises before anything is written."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy.orm import Session, configure_mappers, make_transient_to_detached, scoped_session
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
from ledger.statements import PostingStatements
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

_FOUND_COLUMNS = ("id", "idempotency_key", *PAYLOAD_FIELDS)

_ACCOUNT_KEY = Account.__mapper__.identity_key_from_primary_key
_ENTRY_MAPPER = Entry.__mapper__
_ENTRY_MANAGER = _ENTRY_MAPPER.class_manager
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

    A new entry comes back detached, holding the values written (no query is needed to read it
    after the commit); a replayed one is loaded into the session.

    Raises :class:`InvalidPosting`, :class:`UnknownAccount`, :class:`UnitMismatch`,
    :class:`InsufficientBalance` or :class:`IdempotencyConflict`; nothing is written then.
    Must run inside :func:`ledger.transaction.run_in_transaction`.
    """
    session = _actual(session)
    (entry_id,), written = _post_many(session, [posting])
    if written:
        return _as_written(written[0])
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
    with PostingStatements(session.connection()) as statements:
        return _append(statements, session, postings)


def _append(
    statements: PostingStatements, session: Session, postings: Sequence[Posting]
) -> tuple[list[int], list[dict]]:
    # Locking the head serialises appends (on SQLite BEGIN IMMEDIATE already has), so the
    # idempotency check below cannot race another writer.
    last_id, prev_hash = statements.lock_head()

    known = _existing_entries(statements, [p.key for p in postings])
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

    accounts = _lock_accounts(statements, [posting for posting, _ in fresh])
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

    statements.insert_entries(rows)
    statements.set_balances(
        (account_id, balances[account_id])
        for account_id, account in accounts.items()
        if balances[account_id] != account.balance
    )
    statements.set_head(last_id, prev_hash)
    _refresh_loaded(session, balances, last_id, prev_hash)
    return [known[p.key]["id"] for p in postings], rows


def lock_chain(session: Session) -> None:
    """Take the lock that serialises appends now, for a caller that must read the ledger and
    decide before posting (as :func:`ledger.reversal.reverse` does). Held until the transaction
    ends; :func:`post` taking it again is harmless."""
    if not in_write_transaction(session):
        raise RuntimeError("ledger postings must run inside run_in_transaction()")
    with PostingStatements(_actual(session).connection()) as statements:
        statements.lock_head()


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


def _existing_entries(statements: PostingStatements, keys: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    unique_keys = list(dict.fromkeys(keys))
    for start in range(0, len(unique_keys), _CHUNK):
        for entry in statements.find_entries(_FOUND_COLUMNS, unique_keys[start : start + _CHUNK]):
            found[entry["idempotency_key"]] = entry
    return found


def _check_replay(posting: Posting, original: dict) -> None:
    payload = posting.payload()
    for field in PAYLOAD_FIELDS:
        if payload[field] != original[field]:
            raise IdempotencyConflict(posting.key, field)


class _Locked(NamedTuple):
    id: int
    unit: str
    limited: bool
    balance: int


def _lock_accounts(statements: PostingStatements, postings: list[Posting]) -> dict[int, _Locked]:
    ids = sorted({p.from_account_id for p in postings} | {p.to_account_id for p in postings})
    accounts: dict[int, _Locked] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in statements.lock_accounts(ids[start : start + _CHUNK]):
            accounts[row[0]] = _Locked(*row)
    missing = [i for i in ids if i not in accounts]
    if missing:
        raise UnknownAccount(f"no account {missing[0]}")
    return accounts


def _refresh_loaded(
    session: Session, balances: dict[int, int], last_id: int, head_hash: str
) -> None:
    """Bring the accounts and the head already loaded in the session up to date with the rows just
    written on the driver connection: committed values, as the ORM's own flush would leave them."""
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


def _as_written(row: dict) -> Entry:
    """The entry just inserted as ``row``, as a detached instance: every value loaded, none to
    expire at commit, so reading it costs no query. (Adding it to a session makes it persistent
    without writing anything.)"""
    if not _ENTRY_MAPPER.configured:
        configure_mappers()  # unlike Entry(), new_instance() does not, in a fresh process
    entry = _ENTRY_MANAGER.new_instance()
    entry.__dict__.update(row)  # as a query's load fills it: no attribute events, no history
    make_transient_to_detached(entry)
    return entry
