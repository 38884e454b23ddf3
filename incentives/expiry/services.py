"""Yearly expiry (积分清零) where a village has chosen it, and the notice villagers get before.

At the end of the year each household of such a village gives back what it held at midnight on
31 December to the issuing account, as an EXPIRE entry in the ledger. Points earned after
midnight are not taken (the balance at year end is recomputed from the entries), and points spent
since are not taken twice (never more than the household holds now). Each household's expiry has
the idempotency key ``expire:<year>:<household>``: running the job again posts nothing.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incentives.claims.models import VillageSettings
from incentives.places.models import Household
from incentives.scheduler.periods import Period, local
from ledger import EntryKind, Posting, issuing_account, post_many
from ledger.models import Account, Entry
from ledger.posting import lock_chain
from ledger.transaction import run_in_transaction

BATCH = 500
ACTOR = "system:expiry"


@dataclass(frozen=True)
class ExpiryNotice:
    points: int
    day: date  # the last day the points can be spent: 31 December
    days_left: int


def expiry_key(year: int, household_id: int) -> str:
    return f"expire:{year}:{household_id}"


def expiring_villages(session: Session, year_end: datetime) -> list[int]:
    """The villages whose points expire at ``year_end`` (naive UTC): those that chose expiry at
    least their notice days before it, so that villagers could be told in time. A village that
    switches it on later (or switches it on the day the job runs) expires from the next year."""
    rows = session.execute(
        select(VillageSettings.village_id, VillageSettings.expire_yearly_since,
               VillageSettings.expiry_notice_days)
        .where(VillageSettings.expire_yearly.is_(True), VillageSettings.expire_yearly_since.is_not(None))
        .order_by(VillageSettings.village_id)
    ).all()
    return [v for v, since, days in rows if _chosen_in_time(since, days, year_end)]


def _chosen_in_time(since: datetime | None, notice_days: int, year_end: datetime) -> bool:
    return since is not None and since <= year_end - timedelta(days=notice_days)


def balances_at(session: Session, account_ids: list[int], moment: datetime) -> dict[int, int]:
    """Each account's balance from its entries created before ``moment`` (naive UTC)."""
    received = dict(session.execute(
        select(Entry.to_account_id, func.sum(Entry.amount))
        .where(Entry.to_account_id.in_(account_ids), Entry.created_at < moment)
        .group_by(Entry.to_account_id)
    ).all())
    sent = dict(session.execute(
        select(Entry.from_account_id, func.sum(Entry.amount))
        .where(Entry.from_account_id.in_(account_ids), Entry.created_at < moment)
        .group_by(Entry.from_account_id)
    ).all())
    return {a: int(received.get(a, 0)) - int(sent.get(a, 0)) for a in account_ids}


def expire_households(session: Session, year: int, year_end: datetime, household_ids: list[int]) -> int:
    """Post the expiry of ``household_ids`` for ``year``; the points expired. Runs inside
    ``run_in_transaction``; households already expired for the year are skipped."""
    lock_chain(session)  # nobody spends or earns between reading the balances and posting
    households = session.execute(
        select(Household.id, Household.account_id).where(Household.id.in_(household_ids))
        .order_by(Household.id)
    ).all()
    keys = {h.id: expiry_key(year, h.id) for h in households}
    done = set(session.execute(
        select(Entry.idempotency_key).where(Entry.idempotency_key.in_(list(keys.values())))
    ).scalars())
    pending = [h for h in households if keys[h.id] not in done]
    if not pending:
        return 0
    account_ids = [h.account_id for h in pending]
    at_end = balances_at(session, account_ids, year_end)
    now_held = dict(session.execute(
        select(Account.id, Account.balance).where(Account.id.in_(account_ids))
        .execution_options(populate_existing=True)
    ).all())
    issuing = issuing_account(session).id
    postings = []
    for h in pending:
        amount = min(at_end[h.account_id], now_held[h.account_id])
        if amount > 0:
            postings.append(Posting(
                key=keys[h.id], from_account_id=h.account_id, to_account_id=issuing, amount=amount,
                kind=EntryKind.EXPIRE, actor=ACTOR, reason=f"{year}年度积分清零",
                ref_type="expiry", ref_id=str(year),
            ))
    if postings:
        post_many(session, postings)
    return sum(p.amount for p in postings)


def run_yearly_expiry(session: Session, period: Period, now: datetime, *, batch: int = BATCH) -> dict:
    """The job: expire the year ``period`` of every village that chose expiry, in batches of one
    transaction each."""
    year = period.start.year
    villages = expiring_villages(session, period.end_utc)
    households = list(session.execute(
        select(Household.id).where(Household.village_id.in_(villages)).order_by(Household.id)
    ).scalars()) if villages else []
    session.rollback()
    points = 0
    for i in range(0, len(households), batch):
        chunk = households[i:i + batch]
        points += run_in_transaction(
            session, lambda chunk=chunk: expire_households(session, year, period.end_utc, chunk)
        )
    return {"year": year, "villages": len(villages), "households": len(households), "points": points}


def expiry_notice(session: Session, household: Household, balance: int, now: datetime,
                  zone: tzinfo) -> ExpiryNotice | None:
    """What to tell the household ahead of the year-end expiry, from the village's chosen
    number of days before 31 December; None when there is nothing to tell."""
    settings = session.get(VillageSettings, household.village_id)
    if settings is None or not settings.expire_yearly or balance <= 0:
        return None
    today = local(now, zone).date()
    last_day = date(today.year, 12, 31)
    days_left = (last_day - today).days
    if days_left > settings.expiry_notice_days:
        return None
    year_end = datetime(today.year + 1, 1, 1, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    if not _chosen_in_time(settings.expire_yearly_since, settings.expiry_notice_days, year_end):
        return None  # chosen too late to expire this year: nothing goes this 31 December
    return ExpiryNotice(points=balance, day=last_day, days_left=days_left)
