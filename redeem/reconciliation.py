"""Monthly reconciliation of a supermarket for its funders: per article the opening stock,
donations in, redemptions out, stock-take adjustments and closing stock; the points received;
and the proof that the receipts tie out to the ledger."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.kinds import EntryKind
from ledger.models import Entry
from redeem.checkout import DEFAULT_ZONE
from redeem.errors import InvalidInput
from redeem.models import Checkout, CheckoutLine, Donation, Goods, MovementKind, StockMovement, Supermarket


@dataclass
class GoodsMonth:
    goods_id: int
    name: str
    unit: str
    opening: int = 0
    donated: int = 0
    redeemed: int = 0  # handed out, voided checkouts netted off
    adjusted: int = 0  # signed: stock-take differences
    closing: int = 0
    points: int = 0  # points received for this article


@dataclass
class MonthReport:
    supermarket: Supermarket
    year: int
    month: int
    start: datetime  # naive UTC, inclusive
    end: datetime  # naive UTC, exclusive
    lines: list[GoodsMonth] = field(default_factory=list)
    donation_value_fen: int = 0
    checkouts: int = 0  # receipts that stand (voided ones excluded)
    points_from_receipts: int = 0
    points_from_ledger: int = 0  # redemptions into the supermarket's account, less their reversals

    @property
    def totals(self) -> GoodsMonth:
        total = GoodsMonth(0, "", "")
        for line in self.lines:
            for name in ("opening", "donated", "redeemed", "adjusted", "closing", "points"):
                setattr(total, name, getattr(total, name) + getattr(line, name))
        return total

    @property
    def ties_out(self) -> bool:
        """The receipts, the per-article points and the ledger all say the same, and every
        article's stock adds up from opening to closing."""
        return (
            self.points_from_receipts == self.points_from_ledger == self.totals.points
            and all(
                line.opening + line.donated - line.redeemed + line.adjusted == line.closing
                for line in self.lines
            )
        )


def month_bounds(year: int, month: int, zone: ZoneInfo = DEFAULT_ZONE) -> tuple[datetime, datetime]:
    """The local calendar month as naive UTC instants [start, end)."""
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        raise InvalidInput("month", field="month")
    utc = ZoneInfo("UTC")
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(utc).replace(tzinfo=None), end.astimezone(utc).replace(tzinfo=None)


def monthly_report(
    session: Session, supermarket: Supermarket, year: int, month: int, zone: ZoneInfo = DEFAULT_ZONE
) -> MonthReport:
    """The reconciliation of ``supermarket`` for the local month ``year``-``month``: a handful of
    aggregate queries, whatever the number of receipts."""
    start, end = month_bounds(year, month, zone)
    report = MonthReport(supermarket, year, month, start, end)
    goods = session.execute(
        select(Goods.id, Goods.name, Goods.unit).where(Goods.supermarket_id == supermarket.id)
        .order_by(Goods.id)
    ).all()
    lines = {g.id: GoodsMonth(g.id, g.name, g.unit) for g in goods}

    def in_month(kind):
        return func.coalesce(func.sum(case(
            ((StockMovement.created_at >= start) & (StockMovement.kind == kind.value),
             StockMovement.quantity),
            else_=0,
        )), 0)

    moves = session.execute(
        select(
            StockMovement.goods_id,
            func.coalesce(func.sum(case((StockMovement.created_at < start, StockMovement.quantity),
                                        else_=0)), 0),
            in_month(MovementKind.DONATION),
            in_month(MovementKind.REDEMPTION),
            in_month(MovementKind.VOID_RETURN),
            in_month(MovementKind.ADJUSTMENT),
        )
        .join(Goods, Goods.id == StockMovement.goods_id)
        .where(Goods.supermarket_id == supermarket.id, StockMovement.created_at < end)
        .group_by(StockMovement.goods_id)
    ).all()
    for goods_id, opening, donated, redeemed, returned, adjusted in moves:
        line = lines[goods_id]
        line.opening, line.donated, line.adjusted = int(opening), int(donated), int(adjusted)
        line.redeemed = -int(redeemed) - int(returned)
        line.closing = line.opening + line.donated - line.redeemed + line.adjusted

    standing = (
        Checkout.supermarket_id == supermarket.id,
        Checkout.created_at >= start,
        Checkout.created_at < end,
        Checkout.voided_at.is_(None),
    )
    for goods_id, points in session.execute(
        select(CheckoutLine.goods_id, func.sum(CheckoutLine.points))
        .join(Checkout, Checkout.id == CheckoutLine.checkout_id).where(*standing)
        .group_by(CheckoutLine.goods_id)
    ):
        lines[goods_id].points = int(points)
    count, total = session.execute(
        select(func.count(Checkout.id), func.coalesce(func.sum(Checkout.total_points), 0)).where(*standing)
    ).one()
    report.checkouts, report.points_from_receipts = int(count), int(total)

    account = supermarket.account_id
    received = session.execute(
        select(func.coalesce(func.sum(Entry.amount), 0)).where(
            Entry.to_account_id == account, Entry.kind == EntryKind.REDEEM.value,
            Entry.created_at >= start, Entry.created_at < end,
        )
    ).scalar_one()
    returned = session.execute(
        select(func.coalesce(func.sum(Entry.amount), 0)).where(
            Entry.from_account_id == account, Entry.kind == EntryKind.REVERSE.value,
            Entry.created_at >= start, Entry.created_at < end,
        )
    ).scalar_one()
    report.points_from_ledger = int(received) - int(returned)
    report.donation_value_fen = int(session.execute(
        select(func.coalesce(func.sum(Donation.value_fen), 0)).where(
            Donation.supermarket_id == supermarket.id,
            Donation.created_at >= start,
            Donation.created_at < end,
        )
    ).scalar_one())
    report.lines = list(lines.values())
    return report
