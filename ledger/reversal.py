"""Corrections: an entry is reversed by its mirror image, once, with who and why."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import AlreadyReversed, NotReversible, UnknownEntry
from ledger.kinds import EntryKind
from ledger.models import Entry
from ledger.posting import Posting, lock_chain, post


def reverse(session: Session, entry_id: int, *, key: str, actor: str, reason: str) -> Entry:
    """Post the reversal of entry ``entry_id`` and return it.

    The reversal moves the same amount back (to the original's source from its target) and
    points at the original. Raises :class:`UnknownEntry`, :class:`NotReversible` for a reversal,
    :class:`AlreadyReversed` when another reversal exists, and whatever :func:`post` raises
    (notably :class:`InsufficientBalance` when the points were already spent). Replaying the same
    ``key`` returns the existing reversal.
    """
    # Lock first: the check for an earlier reversal and the posting must not interleave with
    # another reverser's (on SQLite BEGIN IMMEDIATE already serialises; on PostgreSQL this does).
    lock_chain(session)
    original = session.get(Entry, entry_id)
    if original is None:
        raise UnknownEntry(f"no entry {entry_id}")
    if original.kind == EntryKind.REVERSE:
        raise NotReversible(f"entry {entry_id} is itself a reversal; post a new entry instead")
    existing = session.execute(
        select(Entry.id, Entry.idempotency_key).where(Entry.reverses_id == entry_id)
    ).first()
    if existing is not None and existing.idempotency_key != key:
        raise AlreadyReversed(entry_id, existing.id)
    return post(
        session,
        Posting(
            key=key,
            from_account_id=original.to_account_id,
            to_account_id=original.from_account_id,
            amount=original.amount,
            kind=EntryKind.REVERSE,
            actor=actor,
            reason=reason,
            ref_type="entry",
            ref_id=str(original.id),
            reverses_id=original.id,
        ),
    )
