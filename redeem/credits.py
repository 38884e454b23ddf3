"""QR-coded credits (积分券): issuing a batch from a budget, using a credit once, revoking, and
returning expired credits' points to the budget.

Every move of points is a ledger posting with a key of its own, so a replay writes nothing:

- issue:   budget -> the batch's escrow, the whole batch at once   ``credit-batch:<id>:issue``
- use:     escrow -> the household, one credit                     ``credit:<id>:use``
- revoke:  escrow -> budget, one credit or the rest of a batch     ``credit:<id>:revoke`` /
                                                                   ``credit-batch:<id>:revoke``
- expire:  escrow -> budget, the batch's unused credits            ``credit-batch:<id>:expire``

A credit leaves the ``issued`` state by a conditional ``UPDATE ... WHERE state = 'issued'`` in the
same transaction as its posting: of two counters scanning it at once, one updates a row and posts,
the other updates none and is refused. Every function here runs inside
``ledger.transaction.run_in_transaction`` and never commits.

Locks are taken in one fixed order everywhere: the batch row, then its credit rows, then the
ledger's chain head (taken by the posting), then the ledger accounts. Using or revoking a credit
takes its row, then posts; revoking or expiring a batch takes the batch row, then its credits,
then posts; issuing creates new rows and posts. No transaction takes a credit row after the chain
head, which is why :func:`expire_due_credits` settles one batch per transaction (a second batch
would take its credits after the first one's posting took the head). Issuing with a form key takes
the head first, but only to write rows no one else can hold yet.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import unquote, urlsplit

from sqlalchemy import column, func, select, table, update
from sqlalchemy.orm import Session

from ledger import AccountKind, EntryKind, InsufficientBalance, Posting, open_account, post
from ledger.models import Account
from ledger.posting import lock_chain
from redeem.codes import (
    Malformed,
    Mistyped,
    format_credit_code,
    new_credit_code,
    normalise_credit_code,
)
from redeem.credit_models import Credit, CreditBatch, CreditState, credit_batch_villages
from redeem.errors import RedeemError

MAX_POINTS = 10_000  # per credit
MAX_COUNT = 1_000  # per batch: a few dozen A4 sheets
MAX_KEY = 100  # a batch form's one-time key
MAX_VALID_DAYS = 5 * 366  # a batch is good for at most about five years (and the date stays far from 9999)
CLAIM_PATH = "/credits/c/"  # where a credit's QR code points: ``<base>/credits/c/<code>``

# The households table, read by name: this package may not import the web app's models.
_households = table("households", column("id"), column("account_id"), column("village_id"))


# -- refusals ----------------------------------------------------------------------------------


class CreditError(RedeemError):
    """A refusal about a credit or a batch."""

    code = "credit_error"


class CreditMalformed(CreditError):
    code = "credit_malformed"


class CreditMistyped(CreditError):
    """The check symbol does not match: a character was typed wrong."""

    code = "credit_mistyped"


class UnknownCredit(CreditError):
    code = "unknown_credit"
    status = 404


class UnknownBatch(CreditError):
    code = "unknown_batch"
    status = 404


class CreditUsed(CreditError):
    code = "credit_used"
    status = 409


class CreditRevoked(CreditError):
    code = "credit_revoked"
    status = 409


class CreditExpired(CreditError):
    code = "credit_expired"
    status = 409


class CreditWrongVillage(CreditError):
    """The household is not in one of the villages the batch was issued for."""

    code = "credit_wrong_village"
    status = 403


class NotAHousehold(CreditError):
    code = "credit_not_household"


class BudgetTooSmall(CreditError):
    code = "credit_budget_too_small"
    status = 409


class BatchKeyReused(CreditError):
    """A batch form's key used before for a different batch."""

    code = "credit_batch_key_reused"
    status = 409


class InvalidBatch(CreditError):
    """A batch that cannot be issued as asked; ``field`` says which value is wrong."""

    code = "credit_invalid_batch"


# -- reading codes -----------------------------------------------------------------------------


def code_from_input(text: str) -> str:
    """The normalised credit code in what was typed or scanned: the code itself (any case, with or
    without dashes) or the URL its QR code holds. Raises :class:`CreditMalformed` or
    :class:`CreditMistyped`."""
    text = (text or "").strip()
    if "/" in text:
        try:
            path = unquote(urlsplit(text).path)
        except ValueError:  # not a URL at all, e.g. an unclosed "[" where an IPv6 host would be
            raise CreditMalformed() from None
        if CLAIM_PATH not in path:
            raise CreditMalformed()
        text = path.rsplit(CLAIM_PATH, 1)[1].strip("/")
    try:
        return normalise_credit_code(text)
    except Mistyped:
        raise CreditMistyped() from None
    except Malformed:
        raise CreditMalformed() from None


def find_credit(session: Session, text: str) -> Credit:
    """The credit whose code is in ``text``; raises :class:`CreditMalformed`,
    :class:`CreditMistyped` or :class:`UnknownCredit`."""
    code = code_from_input(text)
    credit = session.execute(select(Credit).where(Credit.code == code)).scalar_one_or_none()
    if credit is None:
        raise UnknownCredit()
    return credit


def claim_url(base_url: str, code: str) -> str:
    """What a credit's QR code holds: our claim page for the code."""
    return base_url.rstrip("/") + CLAIM_PATH + code


def refusal(credit: Credit, now: datetime) -> CreditError | None:
    """Why ``credit`` cannot be used at ``now``, or None if it can (the village is checked at use)."""
    batch = credit.batch
    if credit.state == CreditState.USED:
        return CreditUsed(used_at=credit.used_at)
    if credit.state == CreditState.REVOKED or batch.revoked_at is not None:
        return CreditRevoked()
    if credit.state == CreditState.EXPIRED or now >= batch.expires_at:
        return CreditExpired(expires_on=batch.expires_on)
    return None


def batch_village_ids(session: Session, batch_id: int) -> set[int]:
    return set(session.execute(
        select(credit_batch_villages.c.village_id).where(credit_batch_villages.c.batch_id == batch_id)
    ).scalars())


# -- issuing -----------------------------------------------------------------------------------


def issue_batch(
    session: Session, *, budget_account_id: int, region_id: int, village_ids: list[int], name: str,
    points: int, count: int, expires_on: date, expires_at: datetime, actor: str, now: datetime,
    campaign_id: int | None = None, key: str | None = None,
) -> CreditBatch:
    """Issue ``count`` credits of ``points`` each, usable in ``village_ids`` until ``expires_at``
    (the UTC end of the local day ``expires_on``), drawing their total from the budget account.

    The total moves from the budget into the batch's own escrow account in one posting; a budget
    that cannot pay raises :class:`BudgetTooSmall` with what is left, and nothing is written.
    Raises :class:`InvalidBatch` for values out of range (an expiry in the past or more than
    :data:`MAX_VALID_DAYS` ahead among them).

    ``key`` identifies the form: the same key again (a double submit) returns the first batch and
    writes nothing; with other values it raises :class:`BatchKeyReused`.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidBatch(field="name")
    if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= MAX_POINTS:
        raise InvalidBatch(field="points", max=MAX_POINTS)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= MAX_COUNT:
        raise InvalidBatch(field="count", max=MAX_COUNT)
    if expires_at <= now or too_far(expires_on, now):
        raise InvalidBatch(field="expires_on")
    if not village_ids:
        raise InvalidBatch(field="villages")
    if key is not None and not 0 < len(key) <= MAX_KEY:
        raise InvalidBatch(field="key")
    wanted = (name, points, count, expires_on, budget_account_id)
    existing = _batch_by_key(session, key)
    if existing is not None:
        return _replay(existing, wanted)
    budget = session.get(Account, budget_account_id)
    if budget is None or budget.kind != AccountKind.BUDGET:
        raise InvalidBatch(field="budget")
    if key is not None:
        # The posting below takes the chain head anyway; taking it first lets a twin of this form
        # that got there first be seen, instead of failing on the unique key.
        lock_chain(session)
        existing = _batch_by_key(session, key)
        if existing is not None:
            return _replay(existing, wanted)

    escrow = open_account(
        session, AccountKind.BUDGET, f"credits:{uuid.uuid4().hex}", f"积分券（未使用）：{name}"[:200]
    )
    batch = CreditBatch(
        name=name, region_id=region_id, campaign_id=campaign_id, budget_account_id=budget.id,
        escrow_account_id=escrow.id, points=points, count=count, expires_on=expires_on,
        expires_at=expires_at, created_by=actor, created_at=now, key=key,
    )
    session.add(batch)
    session.flush()
    session.execute(credit_batch_villages.insert(), [
        {"batch_id": batch.id, "village_id": village_id} for village_id in sorted(set(village_ids))
    ])
    session.add_all(Credit(batch_id=batch.id, code=code) for code in _fresh_codes(session, count))
    try:
        entry = post(session, Posting(
            key=f"credit-batch:{batch.id}:issue", from_account_id=budget.id, to_account_id=escrow.id,
            amount=points * count, kind=EntryKind.TRANSFER, actor=actor,
            reason=f"发放积分券「{name}」{count} 张，每张 {points} 分",
            ref_type="credit_batch", ref_id=str(batch.id),
        ))
    except InsufficientBalance as exc:
        raise BudgetTooSmall(left=exc.balance, need=exc.amount) from None
    batch.issue_entry_id = entry.id
    session.flush()
    return batch


def _batch_by_key(session: Session, key: str | None) -> CreditBatch | None:
    if not key:
        return None
    return session.execute(
        select(CreditBatch).where(CreditBatch.key == key).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _replay(existing: CreditBatch, wanted: tuple) -> CreditBatch:
    if (existing.name, existing.points, existing.count, existing.expires_on,
            existing.budget_account_id) != wanted:
        raise BatchKeyReused()
    return existing


def too_far(expires_on: date, now: datetime) -> bool:
    """Whether ``expires_on`` lies more than :data:`MAX_VALID_DAYS` after ``now``'s date."""
    return (expires_on - now.date()).days > MAX_VALID_DAYS


def _fresh_codes(session: Session, count: int) -> list[str]:
    """``count`` new codes not yet in use. A clash among 2**50 codes is all but impossible; the
    unique index is the last guard."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {new_credit_code() for _ in range(count - len(codes))} - codes
        taken = set(session.execute(select(Credit.code).where(Credit.code.in_(wanted))).scalars())
        codes |= wanted - taken
    return sorted(codes)


# -- using -------------------------------------------------------------------------------------


def redeem_credit(
    session: Session, code: str, household_account: int, actor: str, now: datetime, *,
    channel: str = "counter",
) -> Credit:
    """Use the credit in ``code`` (typed, or the scanned URL) for the household whose points
    account is ``household_account``: its points move from the batch's escrow to the household
    in one posting, and the credit is used, exactly once, before it expires.

    Raises :class:`CreditMalformed`, :class:`CreditMistyped`, :class:`UnknownCredit`,
    :class:`CreditUsed`, :class:`CreditRevoked`, :class:`CreditExpired`, :class:`NotAHousehold`
    or :class:`CreditWrongVillage`; nothing is written then.
    """
    credit = find_credit(session, code)
    session.refresh(credit)  # a fresh read: another counter may just have used it
    session.refresh(credit.batch)
    batch = credit.batch
    problem = refusal(credit, now)
    if problem is not None:
        raise problem
    village_id = session.execute(
        select(_households.c.village_id).where(_households.c.account_id == household_account)
    ).scalar_one_or_none()
    if village_id is None:
        raise NotAHousehold()
    if village_id not in batch_village_ids(session, batch.id):
        raise CreditWrongVillage()

    taken = session.execute(
        update(Credit)
        .where(Credit.id == credit.id, Credit.state == CreditState.ISSUED.value)
        .values(state=CreditState.USED.value, used_at=now, used_by=actor, channel=channel,
                household_account_id=household_account)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        # Used (or revoked) by another transaction since we read it: say which.
        session.refresh(credit)
        raise refusal(credit, now) or CreditUsed(used_at=credit.used_at)
    entry = post(session, Posting(
        key=f"credit:{credit.id}:use", from_account_id=batch.escrow_account_id,
        to_account_id=household_account, amount=batch.points, kind=EntryKind.EARN, actor=actor,
        reason=f"积分券 {format_credit_code(credit.code)}（{batch.name}）",
        ref_type="credit", ref_id=str(credit.id),
    ))
    session.execute(
        update(Credit).where(Credit.id == credit.id).values(entry_id=entry.id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(credit)
    return credit


# -- revoking and expiring ---------------------------------------------------------------------


def revoke_credit(session: Session, credit_id: int, actor: str, reason: str, now: datetime) -> Credit:
    """Withdraw one unused credit; its points go back to the budget. Revoking it again changes
    nothing. A used or expired credit raises :class:`CreditUsed` / :class:`CreditExpired`."""
    credit = session.get(Credit, credit_id, populate_existing=True)
    if credit is None:
        raise UnknownCredit()
    if credit.state == CreditState.REVOKED:
        return credit
    batch = credit.batch
    taken = session.execute(
        update(Credit)
        .where(Credit.id == credit.id, Credit.state == CreditState.ISSUED.value)
        .values(state=CreditState.REVOKED.value, revoked_at=now, revoked_by=actor,
                revoke_reason=_reason(reason))
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(credit)
    if taken != 1:
        if credit.state == CreditState.REVOKED:
            return credit
        raise refusal(credit, now) or CreditUsed(used_at=credit.used_at)
    entry = post(session, Posting(
        key=f"credit:{credit.id}:revoke", from_account_id=batch.escrow_account_id,
        to_account_id=batch.budget_account_id, amount=batch.points, kind=EntryKind.TRANSFER,
        actor=actor, reason=f"作废积分券 {format_credit_code(credit.code)}：{_reason(reason)}",
        ref_type="credit", ref_id=str(credit.id),
    ))
    credit.return_entry_id = entry.id
    session.flush()
    return credit


def revoke_batch(session: Session, batch_id: int, actor: str, reason: str, now: datetime) -> int:
    """Withdraw every unused credit of a batch in one posting back to the budget; return how many
    were withdrawn (0 when the batch was revoked before). Used credits stay used."""
    batch = session.get(CreditBatch, batch_id, populate_existing=True)
    if batch is None:
        raise UnknownBatch()
    marked = session.execute(
        update(CreditBatch).where(CreditBatch.id == batch.id, CreditBatch.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=actor, revoke_reason=_reason(reason))
        .execution_options(synchronize_session=False)
    ).rowcount
    if marked != 1:
        return 0
    withdrawn = session.execute(
        update(Credit)
        .where(Credit.batch_id == batch.id, Credit.state == CreditState.ISSUED.value)
        .values(state=CreditState.REVOKED.value, revoked_at=now, revoked_by=actor,
                revoke_reason=_reason(reason))
        .execution_options(synchronize_session=False)
    ).rowcount
    if withdrawn:
        post(session, Posting(
            key=f"credit-batch:{batch.id}:revoke", from_account_id=batch.escrow_account_id,
            to_account_id=batch.budget_account_id, amount=withdrawn * batch.points,
            kind=EntryKind.TRANSFER, actor=actor,
            reason=f"作废积分券「{batch.name}」未使用的 {withdrawn} 张：{_reason(reason)}",
            ref_type="credit_batch", ref_id=str(batch.id),
        ))
    session.refresh(batch)
    return withdrawn


@dataclass(frozen=True)
class Expired:
    batch_id: int
    credits: int
    points: int


def expire_due_credits(session: Session, now: datetime) -> list[Expired]:
    """Settle the first batch whose expiry has passed: its unused credits become expired and their
    points go back to the budget in one posting. Returns it in a list, or an empty list when no
    batch is due; the caller runs one transaction per call until the list is empty.

    One batch per transaction keeps the lock order of the module docstring: settling a second
    batch would take its credit rows while holding the chain head from the first posting.

    Idempotent: a batch is settled once (claimed by a conditional update), so running the job
    again, or two copies at once, returns nothing more.
    """
    due = session.execute(
        select(CreditBatch.id, CreditBatch.points, CreditBatch.escrow_account_id,
               CreditBatch.budget_account_id, CreditBatch.name)
        .where(CreditBatch.settled_at.is_(None), CreditBatch.expires_at <= now)
        .order_by(CreditBatch.expires_at, CreditBatch.id)
        .limit(1)
    ).all()
    settled = []
    for batch_id, points, escrow_id, budget_id, name in due:
        claimed = session.execute(
            update(CreditBatch).where(CreditBatch.id == batch_id, CreditBatch.settled_at.is_(None))
            .values(settled_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue  # settled by another run meanwhile
        expired = session.execute(
            update(Credit).where(Credit.batch_id == batch_id, Credit.state == CreditState.ISSUED.value)
            .values(state=CreditState.EXPIRED.value).execution_options(synchronize_session=False)
        ).rowcount
        if expired:
            entry = post(session, Posting(
                key=f"credit-batch:{batch_id}:expire", from_account_id=escrow_id,
                to_account_id=budget_id, amount=expired * points, kind=EntryKind.EXPIRE,
                actor="job:credits-expire",
                reason=f"积分券「{name}」过期未用 {expired} 张，积分退回预算",
                ref_type="credit_batch", ref_id=str(batch_id),
            ))
            session.execute(
                update(CreditBatch).where(CreditBatch.id == batch_id).values(expire_entry_id=entry.id)
                .execution_options(synchronize_session=False)
            )
        settled.append(Expired(batch_id, expired, expired * points))
    return settled


def _reason(reason: str) -> str:
    return (reason or "").strip()[:200] or "未说明"


# -- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchSummary:
    issued: int
    used: int
    revoked: int
    expired: int
    outstanding_points: int  # the escrow's balance: the value of credits still usable


def batch_summary(session: Session, batch: CreditBatch) -> BatchSummary:
    counts = dict(session.execute(
        select(Credit.state, func.count()).where(Credit.batch_id == batch.id).group_by(Credit.state)
    ).all())
    escrow = session.get(Account, batch.escrow_account_id)
    return BatchSummary(
        issued=counts.get(CreditState.ISSUED.value, 0), used=counts.get(CreditState.USED.value, 0),
        revoked=counts.get(CreditState.REVOKED.value, 0),
        expired=counts.get(CreditState.EXPIRED.value, 0), outstanding_points=escrow.balance,
    )
