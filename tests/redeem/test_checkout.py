"""Checkout at the counter: points, stock and receipt move together, once; every refusal says
why and writes nothing; a same-day void puts everything back."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ledger.balances import balance_of, reconcile
from ledger.chain import read_head, verify_chain
from ledger.models import Entry, utcnow
from ledger.transaction import run_in_transaction
from redeem import errors
from redeem.checkout import checkout, taken_this_month, void_checkout
from redeem.models import Checkout, Goods, StockMovement
from redeem.stock import reconcile_stock
from tests.redeem.world import add_goods, make_world


def buy(session, world, lines, *, key="k1", household=None, now=None, supermarket=None):
    return run_in_transaction(session, lambda: checkout(
        session, supermarket_id=(supermarket or world.supermarket).id, buyer=world.buyer(household),
        lines=lines, key=key, actor="user:clerk", now=now,
    ))


def snapshot(session, world):
    """Everything a refused checkout must leave as it was."""
    session.rollback()
    return (
        read_head(session).last_id,
        balance_of(session, world.household.account_id),
        tuple(session.execute(select(Goods.id, Goods.stock).order_by(Goods.id)).all()),
        session.execute(select(func.count(Checkout.id))).scalar_one(),
        session.execute(select(func.count(StockMovement.id))).scalar_one(),
    )


@pytest.fixture
def world(session):
    return make_world(session)


def test_checkout_moves_points_stock_and_receipt_together(session, world):
    receipt = buy(session, world, [(world.soap.id, 2), (world.oil.id, 1)])

    assert receipt.total_points == 2 * 10 + 50
    assert [(line.name, line.quantity, line.points) for line in receipt.lines] == [
        ("洗衣粉", 2, 20), ("食用油", 1, 50)
    ]
    session.rollback()
    assert balance_of(session, world.household.account_id) == 30
    assert balance_of(session, world.supermarket.account_id) == 70
    assert session.get(Goods, world.soap.id).stock == 18
    assert session.get(Goods, world.oil.id).stock == 4
    entry = session.get(Entry, receipt.entry_id)
    assert (entry.kind, entry.ref_type, entry.ref_id) == ("redeem", "checkout", str(receipt.id))
    assert entry.reason == "和平村爱心超市兑换：洗衣粉2袋、食用油1桶"
    assert reconcile_stock(session) == []
    assert reconcile(session).ok and verify_chain(session).ok


def test_a_double_submitted_form_posts_once(session, world):
    first = buy(session, world, [(world.soap.id, 1)], key="form-1")
    again = buy(session, world, [(world.soap.id, 1)], key="form-1")
    assert again.id == first.id
    session.rollback()
    assert balance_of(session, world.household.account_id) == 90
    assert session.get(Goods, world.soap.id).stock == 19
    with pytest.raises(errors.KeyReused):
        buy(session, world, [(world.soap.id, 2)], key="form-1", household=world.household)


@pytest.mark.parametrize(
    "case, error",
    [
        ("too_expensive", errors.InsufficientPoints),
        ("out_of_stock", errors.OutOfStock),
        ("inactive", errors.GoodsInactive),
        ("not_served", errors.WrongSupermarket),
        ("other_shop_goods", errors.WrongSupermarket),
        ("empty", errors.EmptyCart),
        ("zero", errors.InvalidInput),
        ("negative", errors.InvalidInput),
        ("unknown_goods", errors.UnknownGoods),
        ("unknown_shop", errors.UnknownSupermarket),
        ("no_key", errors.InvalidInput),
    ],
)
def test_every_refusal_says_why_and_changes_nothing(session, world, case, error):
    from redeem.supermarkets import create_supermarket

    other_shop = run_in_transaction(
        session,
        lambda: create_supermarket(session, world.other_village.id, "石桥村超市", [world.other_village.id]),
    )
    foreign = add_goods(session, other_shop, "大米", 40, "袋", 3)
    kwargs = {}
    lines = {
        "too_expensive": [(world.oil.id, 1), (world.soap.id, 6)],  # 110 > 100
        "out_of_stock": [(world.soap.id, 21)],
        "inactive": [(world.towel.id, 1)],
        "not_served": [(world.soap.id, 1)],
        "other_shop_goods": [(foreign.id, 1)],
        "empty": [],
        "zero": [(world.soap.id, 0)],
        "negative": [(world.soap.id, -1)],
        "unknown_goods": [(999_999, 1)],
        "unknown_shop": [(world.soap.id, 1)],
        "no_key": [(world.soap.id, 1)],
    }[case]
    if case == "not_served":
        kwargs["household"] = world.outsider
    if case == "no_key":
        kwargs["key"] = ""
    if case == "unknown_shop":
        world.supermarket.id  # noqa: B018  load before pretending
        kwargs["supermarket"] = type("Shop", (), {"id": 999_999})()
    before = snapshot(session, world)

    with pytest.raises(error) as refused:
        buy(session, world, lines, **kwargs)

    assert refused.value.code  # a message key the web layer turns into Chinese
    assert snapshot(session, world) == before


def test_refusals_carry_the_figures_for_their_message(session, world):
    with pytest.raises(errors.InsufficientPoints) as poor:
        buy(session, world, [(world.oil.id, 1), (world.soap.id, 6)])
    assert poor.value.params == {"balance": 100, "total": 110}
    with pytest.raises(errors.OutOfStock) as out:
        buy(session, world, [(world.soap.id, 21)])
    assert out.value.params == {"name": "洗衣粉", "stock": 20, "unit": "袋"}


def test_monthly_limit_counts_this_month_only_and_not_voided_checkouts(session, world):
    now = utcnow()
    first = buy(session, world, [(world.oil.id, 1)], key="m1", now=now)
    with pytest.raises(errors.MonthlyLimitReached) as limit:
        buy(session, world, [(world.oil.id, 1)], key="m2", now=now)
    assert limit.value.params["limit"] == 1 and limit.value.params["taken"] == 1

    run_in_transaction(session, lambda: void_checkout(session, first.id, actor="user:clerk",
                                                     reason="拿错了", now=now))
    assert taken_this_month(session, world.household.id, [world.oil.id], now) == {}
    buy(session, world, [(world.oil.id, 1)], key="m3", now=now)  # the void freed the month's one

    # Next month the limit starts again (the household has 50 points left).
    next_month = now + timedelta(days=32)
    buy(session, world, [(world.oil.id, 1)], key="m4", now=next_month)


def test_limit_applies_to_the_cart_as_a_whole(session, world):
    with pytest.raises(errors.MonthlyLimitReached):
        buy(session, world, [(world.oil.id, 1), (world.oil.id, 1)])


def test_void_the_same_day_returns_points_and_goods(session, world):
    receipt = buy(session, world, [(world.soap.id, 3)])
    voided = run_in_transaction(session, lambda: void_checkout(
        session, receipt.id, actor="user:clerk", reason="村民改主意了"
    ))

    assert voided.voided and voided.void_reason == "村民改主意了"
    session.rollback()
    assert balance_of(session, world.household.account_id) == 100
    assert balance_of(session, world.supermarket.account_id) == 0
    assert session.get(Goods, world.soap.id).stock == 20
    reversal = session.get(Entry, voided.void_entry_id)
    assert reversal.reverses_id == receipt.entry_id
    assert reconcile_stock(session) == [] and reconcile(session).ok

    with pytest.raises(errors.AlreadyVoided):
        run_in_transaction(session, lambda: void_checkout(session, receipt.id, actor="u", reason="再来"))


def test_void_is_refused_the_next_day_and_without_a_reason(session, world):
    yesterday = utcnow() - timedelta(days=1)
    receipt = buy(session, world, [(world.soap.id, 1)], now=yesterday)
    with pytest.raises(errors.VoidTooLate):
        run_in_transaction(session, lambda: void_checkout(session, receipt.id, actor="u", reason="晚了"))
    with pytest.raises(errors.InvalidInput):
        run_in_transaction(session, lambda: void_checkout(session, receipt.id, actor="u", reason="  "))
    with pytest.raises(errors.UnknownCheckout):
        run_in_transaction(session, lambda: void_checkout(session, 10**6, actor="u", reason="x"))
    session.rollback()
    assert balance_of(session, world.household.account_id) == 90
