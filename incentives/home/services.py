"""What a household's page shows: balance, hours, and the history as villagers read it."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incentives.places.models import Household, Level, Region
from ledger.history import entries_page
from ledger.models import Account, Entry


@dataclass(frozen=True)
class HistoryLine:
    entry: Entry
    signed_amount: int  # + for points received, - for points spent or taken


def household_history(
    session: Session, household: Household, *, before_id: int | None = None, limit: int = 30
) -> list[HistoryLine]:
    entries = entries_page(session, account_id=household.account_id, before_id=before_id, limit=limit)
    return [
        HistoryLine(e, e.amount if e.to_account_id == household.account_id else -e.amount)
        for e in entries
    ]


def balance(session: Session, account_id: int) -> int:
    return session.get(Account, account_id).balance


@dataclass(frozen=True)
class RegionSummary:
    region: Region
    households: int
    points: int


def region_summary(session: Session, region: Region) -> RegionSummary:
    """Households and points held in ``region``'s subtree, in one aggregate query."""
    village_ids = select(Region.id).where(
        Region.path.startswith(region.path), Region.level == Level.VILLAGE.value
    )
    count, points = session.execute(
        select(func.count(Household.id), func.coalesce(func.sum(Account.balance), 0))
        .join(Account, Account.id == Household.account_id)
        .where(Household.village_id.in_(village_ids))
    ).one()
    return RegionSummary(region, count, int(points))
