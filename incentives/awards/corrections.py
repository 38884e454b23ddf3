"""Corrections (冲正): the village committee reverses a wrong award or deduction of a household.

Nothing in the ledger is edited: the reversal is a new entry pointing at the wrong one, with who
and why, and each entry can be reversed once (the ledger enforces it). Only entries posted for
awards (claims, events, bulk awards, campaigns, deductions) are corrected here; a redemption is
voided at the counter the same day, so that stock comes back with the points, and credits and
expiry have their own flows.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from incentives.awards.models import Award
from incentives.errors import LEDGER_MESSAGES, ServiceError
from incentives.places.models import Household
from ledger import EntryKind, reverse
from ledger.errors import AlreadyReversed, InsufficientBalance
from ledger.models import Entry

CORRECTABLE_KINDS = frozenset({EntryKind.EARN.value, EntryKind.DEDUCT.value})
MAX_REASON = 200


def correctable_entry_ids(session: Session, household: Household, entries: list[Entry]) -> set[int]:
    """Which of ``entries`` (of ``household``'s history) can still be reversed here."""
    ours = _award_entries_of(session, household, entries)
    if not ours:
        return set()
    reversed_ = set(session.execute(select(Entry.reverses_id).where(Entry.reverses_id.in_(ours))).scalars())
    return ours - reversed_


def _award_entries_of(session: Session, household: Household, entries: list[Entry]) -> set[int]:
    """The ids of ``entries`` posted for awards or deductions of ``household``."""
    candidates = {
        e.id for e in entries
        if e.kind in CORRECTABLE_KINDS and e.ref_type == "award" and e.reverses_id is None
    }
    if not candidates:
        return set()
    return set(session.execute(
        select(Award.entry_id).where(Award.entry_id.in_(candidates), Award.household_id == household.id)
    ).scalars())


def reverse_award_entry(session: Session, household: Household, entry_id: int, *, actor_id: int,
                        reason: str, key: str) -> Entry:
    """Reverse entry ``entry_id``, an award or deduction of ``household``; return the reversal.

    Replaying the same ``key`` returns the same reversal. Refused (nothing written) when the
    entry is not one of the household's awards or deductions, was already reversed, the reason
    is missing, or the points of a wrong award were already spent. Must run inside
    ``run_in_transaction``.
    """
    reason = (reason or "").strip()
    if not 1 <= len(reason) <= MAX_REASON:
        raise ServiceError(_l("请写明冲正原因，最多 %(n)s 字", n=MAX_REASON))
    entry = session.get(Entry, entry_id)
    if entry is None or not _award_entries_of(session, household, [entry]):
        raise ServiceError(_l("这条记录不是本户的加分或扣分，不能在这里冲正。"), 404)
    # The ledger locks the chain, then returns the reversal a replayed key posted, or refuses a
    # second one.
    try:
        return reverse(session, entry_id, key=correction_key(key), actor=f"user:{actor_id}",
                       reason=f"冲正：{reason}")
    except AlreadyReversed:
        status, message = LEDGER_MESSAGES[AlreadyReversed]
        raise ServiceError(message, status) from None
    except InsufficientBalance as exc:
        if exc.account_id == household.account_id:
            message = _l("这户的积分已不足 %(n)s 分（已兑换或被扣除），不能冲正这笔加分。", n=entry.amount)
        else:  # a deduction's points went back to a budget that has since been spent
            message = _l("扣分退回的来源账户积分不足 %(n)s 分，暂不能冲正，请联系上级。", n=entry.amount)
        raise ServiceError(message, 409) from None


def correction_key(form_key: str) -> str:
    """The ledger idempotency key of the reversal a correction form (by its key) posts."""
    return f"correction:{form_key}"


def reversal_posted_by(session: Session, entry_id: int, form_key: str) -> Entry | None:
    """The reversal of ``entry_id`` that the form with ``form_key`` already posted, if any."""
    return session.execute(
        select(Entry).where(Entry.reverses_id == entry_id, Entry.idempotency_key == correction_key(form_key))
    ).scalar_one_or_none()
