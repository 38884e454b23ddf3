"""Stock moves only by recorded movements and never goes below zero; donors see what their gifts
became; goods are found by name or pinyin initials."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ledger.transaction import run_in_transaction
from redeem import errors
from redeem.checkout import checkout, void_checkout
from redeem.goods import create_goods, pinyin_initials, search_goods, update_goods
from redeem.models import Goods
from redeem.stock import (
    donor_outcomes,
    find_or_add_donor,
    movements_of,
    reconcile_stock,
    record_donation,
    record_stock_take,
)
from tests.redeem.world import make_world


@pytest.fixture
def world(session):
    return make_world(session, points=1000)


def in_tx(session, work):
    return run_in_transaction(session, work)


def test_stock_is_the_sum_of_its_movements(session, world):
    donor = in_tx(session, lambda: find_or_add_donor(session, world.supermarket.id, "平安粮油", "enterprise"))
    in_tx(session, lambda: record_donation(session, donor_id=donor.id, goods_id=world.soap.id, quantity=5,
                                           value_fen=2500, actor="u"))
    movement = in_tx(session, lambda: record_stock_take(session, world.soap.id, counted=22,
                                                        reason="受潮 3 袋", actor="u"))
    assert movement.quantity == -3
    assert in_tx(session, lambda: record_stock_take(session, world.soap.id, counted=22, reason="复核",
                                                    actor="u")) is None
    session.rollback()
    assert session.get(Goods, world.soap.id).stock == 22
    assert [m.quantity for m in movements_of(session, world.soap.id)] == [-3, 5, 20]
    assert reconcile_stock(session) == []


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"counted": -1, "reason": "x"}, errors.InvalidInput),
        ({"counted": 3, "reason": ""}, errors.InvalidInput),
        ({"counted": 3.5, "reason": "x"}, errors.InvalidInput),
    ],
)
def test_stock_take_refusals(session, world, kwargs, error):
    with pytest.raises(error):
        in_tx(session, lambda: record_stock_take(session, world.soap.id, actor="u", **kwargs))
    session.rollback()
    assert session.get(Goods, world.soap.id).stock == 20


@pytest.mark.parametrize("quantity, value", [(0, 0), (-5, 0), (5, -1), (True, 0)])
def test_donation_refusals(session, world, quantity, value):
    donor = in_tx(session, lambda: find_or_add_donor(session, world.supermarket.id, "张大爷", "person"))
    with pytest.raises(errors.InvalidInput):
        in_tx(session, lambda: record_donation(session, donor_id=donor.id, goods_id=world.soap.id,
                                               quantity=quantity, value_fen=value, actor="u"))
    with pytest.raises(errors.InvalidInput):
        in_tx(session, lambda: find_or_add_donor(session, world.supermarket.id, "某人", "alien"))


def test_the_database_refuses_negative_stock_even_past_the_code(session, world):
    with pytest.raises(IntegrityError):
        in_tx(session, lambda: session.execute(text("UPDATE goods SET stock = -1 WHERE id = :id"),
                                               {"id": world.soap.id}))


def test_donor_page_follows_goods_first_in_first_out(session, world):
    # The soap's 20 came from 县供电公司; 10 more now from 平安粮油.
    later = in_tx(session, lambda: find_or_add_donor(session, world.supermarket.id, "平安粮油", "enterprise"))
    in_tx(session, lambda: record_donation(session, donor_id=later.id, goods_id=world.soap.id, quantity=10,
                                           value_fen=5000, actor="u"))
    buyer = world.buyer()
    first = in_tx(session, lambda: checkout(session, supermarket_id=world.supermarket.id, buyer=buyer,
                                            lines=[(world.soap.id, 15)], key="a", actor="u"))
    in_tx(session, lambda: checkout(session, supermarket_id=world.supermarket.id, buyer=buyer,
                                    lines=[(world.soap.id, 8)], key="b", actor="u"))
    voided = in_tx(session, lambda: checkout(session, supermarket_id=world.supermarket.id, buyer=buyer,
                                             lines=[(world.soap.id, 2)], key="c", actor="u"))
    in_tx(session, lambda: void_checkout(session, voided.id, actor="u", reason="退"))
    in_tx(session, lambda: record_stock_take(session, world.soap.id, counted=6, reason="丢失 1", actor="u"))
    session.rollback()
    assert first.total_points == 150

    def soap_lots(donor_id):
        return [o for o in donor_outcomes(session, donor_id) if o.donation.goods_id == world.soap.id]

    # 23 bags went out (the voided 2 came back); the first donor's 20 went first, then 3 of the
    # later 10; the lost bag is counted against the later lot too.
    [lot] = soap_lots(later.id)
    assert (lot.redeemed, lot.points, lot.written_off, lot.on_shelf) == (3, 30, 1, 6)
    first_donor = find_or_add_donor(session, world.supermarket.id, "县供电公司", "aid_unit")
    assert [(o.redeemed, o.points, o.on_shelf) for o in soap_lots(first_donor.id)] == [(20, 200, 0)]


def test_goods_are_found_by_name_or_pinyin_initials(session, world):
    assert pinyin_initials("洗衣粉") == "xyf"
    assert pinyin_initials("金龙鱼食用油5L") == "jlysyy5l"
    assert [g.name for g in search_goods(session, world.supermarket.id, "xyf")] == ["洗衣粉"]
    assert [g.name for g in search_goods(session, world.supermarket.id, "XY")] == ["洗衣粉"]
    assert [g.name for g in search_goods(session, world.supermarket.id, "油")] == ["食用油"]
    assert search_goods(session, world.supermarket.id, "%") == []
    assert [g.name for g in search_goods(session, world.supermarket.id, "", active_only=True)] == [
        "食用油", "洗衣粉"
    ]


def test_goods_refusals_and_edits(session, world):
    shop = world.supermarket.id
    for bad in ({"price": 0}, {"price": -3}, {"price": 1.5}, {"unit": ""}, {"name": " "},
                {"monthly_limit": 0}):
        fields = {"name": "香皂", "price": 4, "unit": "块"} | bad
        with pytest.raises(errors.InvalidInput):
            in_tx(session, lambda f=fields: create_goods(session, shop, **f))
    with pytest.raises(errors.DuplicateName):
        in_tx(session, lambda: create_goods(session, shop, name="洗衣粉", price=4, unit="袋"))
    edited = in_tx(session, lambda: update_goods(session, world.soap.id, name="立白洗衣粉", price=12,
                                                 unit="袋", monthly_limit=3, active=True))
    assert (edited.initials, edited.price, edited.stock) == ("lbxyf", 12, 20)


def test_a_donation_form_submitted_twice_records_one_lot(session, world):
    donor = in_tx(session, lambda: find_or_add_donor(session, world.supermarket.id, "平安粮油", "enterprise"))

    def give(quantity=5):
        return in_tx(session, lambda: record_donation(
            session, donor_id=donor.id, goods_id=world.soap.id, quantity=quantity, value_fen=2500,
            actor="u", key="form-1"))

    first, again = give(), give()
    assert again.id == first.id
    with pytest.raises(errors.DonationKeyReused):
        give(quantity=6)
    session.rollback()
    assert session.get(Goods, world.soap.id).stock == 25
    assert [m.quantity for m in movements_of(session, world.soap.id)] == [5, 20]
