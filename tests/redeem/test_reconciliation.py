"""The monthly reconciliation: stock from opening to closing adds up, and the points on the
receipts tie out to what the ledger says the supermarket received."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ledger import EntryKind, Posting, issuing_account, post
from ledger.transaction import run_in_transaction
from redeem.checkout import checkout, void_checkout
from redeem.errors import InvalidInput
from redeem.reconciliation import month_bounds, monthly_report
from redeem.stock import find_or_add_donor, record_donation, record_stock_take
from tests.redeem.world import make_world

ZONE = ZoneInfo("Asia/Shanghai")


def utc(year, month, day, hour=12):
    """A local (Beijing) time as the naive UTC the database keeps."""
    return datetime(year, month, day, hour, tzinfo=ZONE).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def in_tx(session, work):
    return run_in_transaction(session, work)


def test_stock_adds_up_from_opening_to_closing_in_local_months(session):
    # make_world's donations happen now; the month under test is a later one, so they are its
    # opening stock. (Ledger entries carry the real clock: the next test ties those out.)
    world = make_world(session, points=1000)
    shop, buyer = world.supermarket, world.buyer()

    def buy(key, lines, when):
        return in_tx(session, lambda: checkout(session, supermarket_id=shop.id, buyer=buyer, lines=lines,
                                                key=key, actor="u", now=when))

    buy("dec", [(world.soap.id, 2)], utc(2030, 12, 31, 23))  # 23:00 in Beijing: still December
    buy("jan-1", [(world.soap.id, 1), (world.oil.id, 1)], utc(2031, 1, 1, 0))  # 00:00: January
    undone = buy("jan-2", [(world.soap.id, 4)], utc(2031, 1, 10))
    in_tx(session, lambda: void_checkout(session, undone.id, actor="u", reason="退",
                                         now=utc(2031, 1, 10, 15)))
    donor = in_tx(session, lambda: find_or_add_donor(session, shop.id, "平安粮油", "enterprise"))
    in_tx(session, lambda: record_donation(session, donor_id=donor.id, goods_id=world.soap.id, quantity=6,
                                           value_fen=3000, actor="u", now=utc(2031, 1, 12)))
    in_tx(session, lambda: record_stock_take(session, world.soap.id, counted=21, reason="破损",
                                             actor="u", now=utc(2031, 1, 20)))
    session.rollback()

    january = monthly_report(session, shop, 2031, 1)
    soap = next(line for line in january.lines if line.name == "洗衣粉")
    assert (soap.opening, soap.donated, soap.redeemed, soap.adjusted, soap.closing) == (18, 6, 1, -2, 21)
    oil = next(line for line in january.lines if line.name == "食用油")
    assert (oil.opening, oil.redeemed, oil.closing, oil.points) == (5, 1, 4, 50)
    assert january.checkouts == 1  # the voided one does not stand
    assert january.points_from_receipts == 60 == january.totals.points
    assert january.donation_value_fen == 3000
    december = monthly_report(session, shop, 2030, 12)
    assert december.points_from_receipts == 20
    assert next(line for line in december.lines if line.name == "洗衣粉").closing == 18


def test_a_month_in_real_time_ties_out(session):
    world = make_world(session, points=1000)
    shop, buyer = world.supermarket, world.buyer()
    for n in range(3):
        in_tx(session, lambda n=n: checkout(session, supermarket_id=shop.id, buyer=buyer,
                                            lines=[(world.soap.id, n + 1)], key=f"k{n}", actor="u"))
    last = in_tx(session, lambda: checkout(session, supermarket_id=shop.id, buyer=buyer,
                                           lines=[(world.oil.id, 1)], key="oil", actor="u"))
    in_tx(session, lambda: void_checkout(session, last.id, actor="u", reason="退"))
    # Points the account receives that are not sales do not count as sales.
    in_tx(session, lambda: post(session, Posting("gift", issuing_account(session).id, shop.account_id, 5,
                                                 EntryKind.ADJUST, "u", "调整")))
    session.rollback()
    now = datetime.now(ZONE)
    report = monthly_report(session, shop, now.year, now.month)
    assert report.ties_out
    assert report.points_from_receipts == report.points_from_ledger == 60
    soap = next(line for line in report.lines if line.name == "洗衣粉")
    assert (soap.opening, soap.donated, soap.redeemed, soap.closing) == (0, 20, 6, 14)
    oil = next(line for line in report.lines if line.name == "食用油")
    assert (oil.redeemed, oil.closing, oil.points) == (0, 5, 0)
    previous = monthly_report(session, shop, *(now.replace(day=1) - timedelta(days=1)).timetuple()[:2])
    assert previous.totals.closing == 0 and previous.points_from_ledger == 0


def test_month_bounds_are_local_months(session):
    start, end = month_bounds(2026, 12)
    assert start == datetime(2026, 11, 30, 16) and end == datetime(2026, 12, 31, 16)
    with pytest.raises(InvalidInput):
        month_bounds(2026, 13)
