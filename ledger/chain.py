"""The hash chain that makes tampering evident, and its streaming verification."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import Entry, LedgerHead

GENESIS_HASH = "0" * 64

# The fields an entry's hash covers, in order. Changing this list breaks every existing chain.
HASHED_FIELDS = (
    "id",
    "idempotency_key",
    "from_account_id",
    "to_account_id",
    "amount",
    "kind",
    "actor",
    "reason",
    "ref_type",
    "ref_id",
    "reverses_id",
    "created_at",
)


def entry_hash(fields: dict, prev_hash: str) -> str:
    """SHA-256 over the entry's canonical JSON and the previous entry's hash."""
    values = [fields[name] for name in HASHED_FIELDS]
    values[HASHED_FIELDS.index("created_at")] = fields["created_at"].isoformat(
        timespec="microseconds"
    )
    canonical = json.dumps([*values, prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    head_hash: str
    bad_entry_id: int | None = None
    problem: str = ""


def read_head(session: Session) -> LedgerHead:
    """The chain head row (last entry id and its hash)."""
    return session.execute(select(LedgerHead).where(LedgerHead.id == 1)).scalar_one()


def verify_chain(
    session: Session,
    batch_size: int = 2000,
    *,
    progress: Callable[[int], None] | None = None,
    every: int = 100_000,
) -> ChainReport:
    """Recompute every entry's hash in id order, streaming, in constant memory.

    Returns a report naming the first entry whose stored hash, predecessor link or position
    does not match, or ``ok`` with the count and head hash. Also checks the head row agrees.
    ``progress(count)`` is called after every ``every`` entries verified (a city's ledger takes
    minutes).
    """
    columns = [getattr(Entry, name) for name in HASHED_FIELDS]
    stmt = (
        select(*columns, Entry.prev_hash, Entry.hash)
        .order_by(Entry.id)
        .execution_options(yield_per=batch_size)
    )
    prev = GENESIS_HASH
    count = 0
    for row in session.execute(stmt):
        fields = row._mapping
        count += 1
        if fields["id"] != count:
            return ChainReport(False, count - 1, prev, fields["id"], f"expected entry {count} here")
        if fields["prev_hash"] != prev:
            return ChainReport(False, count - 1, prev, fields["id"], "link to previous entry broken")
        if entry_hash(fields, prev) != fields["hash"]:
            return ChainReport(False, count - 1, prev, fields["id"], "content does not match hash")
        prev = fields["hash"]
        if progress is not None and count % every == 0:
            progress(count)
    head = read_head(session)
    if head.last_id != count or head.hash != prev:
        return ChainReport(False, count, prev, head.last_id, "head row does not match last entry")
    return ChainReport(True, count, prev)
