"""The counter and supermarket pages: a clerk scans a member code, fills a cart and checks out;
the villager sees the receipt from their history; refusals are 4xx in Chinese; outsiders get 404."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from incentives.auth.roles import Role
from incentives.places.models import Level, Person
from ledger.balances import balance_of
from redeem.members import member_token
from redeem.models import Checkout, Donation, Donor, Goods
from tests.factories import make_region, make_user
from tests.redeem.world import make_world


@pytest.fixture
def world(session):
    return make_world(session, points=100)


@pytest.fixture
def clerk(session, world):
    return make_user(session, Role.CLERK, world.village)


def head_of(session, household):
    return session.execute(
        select(Person).where(Person.household_id == household.id, Person.is_head.is_(True))
    ).scalar_one()


def scan(client, app, world, household=None):
    token = member_token(app.config["SECRET_KEY"], (household or world.household).id)
    return client.post(f"/counter/{world.supermarket.id}/identify", data={"code": token})


def add(client, world, goods, quantity=1):
    data = {"goods": goods.id, "quantity": quantity}
    return client.post(f"/counter/{world.supermarket.id}/cart", data=data)


def confirm(client, world, lines, key="form-key-1"):
    data = {"key": key, "goods": [g.id for g, _ in lines], "quantity": [q for _, q in lines]}
    return client.post(f"/counter/{world.supermarket.id}/checkout", data=data)


def test_scan_pick_confirm_and_the_villager_sees_the_receipt(app, client, session, world, clerk, login_as):
    login_as(clerk)
    assert 'href="/counter"' in client.get("/me").get_data(as_text=True)
    assert client.get("/counter").headers["Location"].endswith(f"/counter/{world.supermarket.id}")
    page = client.get(f"/counter/{world.supermarket.id}").get_data(as_text=True)
    assert 'name="code"' in page and "autofocus" in page

    assert scan(client, app, world).status_code == 302
    page = client.get(f"/counter/{world.supermarket.id}").get_data(as_text=True)
    assert "张建国家" in page and 'data-testid="points">100<' in page
    assert "13" not in re.sub(r"<[^>]+>", "", page).split("张建国家")[1][:80]  # no phone on screen

    found = client.get(f"/counter/{world.supermarket.id}?q=xyf").get_data(as_text=True)
    assert "洗衣粉" in found and "食用油" not in found
    add(client, world, world.soap, 2)
    add(client, world, world.oil)
    page = client.get(f"/counter/{world.supermarket.id}").get_data(as_text=True)
    assert 'data-testid="total">70<' in page

    done = confirm(client, world, [(world.soap, 2), (world.oil, 1)])
    assert done.status_code == 302
    receipt_url = done.headers["Location"]
    receipt = client.get(receipt_url).get_data(as_text=True)
    assert "兑换成功" in receipt and 'data-testid="receipt-total">70<' in receipt
    # A second press of the same form shows the same receipt and posts nothing.
    again = confirm(client, world, [(world.soap, 2), (world.oil, 1)])
    assert again.status_code == 302 and again.headers["Location"] == receipt_url
    session.rollback()
    assert session.execute(select(func.count(Checkout.id))).scalar_one() == 1
    assert balance_of(session, world.household.account_id) == 30

    client.post("/logout")
    villager = make_user(session, Role.VILLAGER, world.village, person=head_of(session, world.household))
    login_as(villager)
    home = client.get("/me").get_data(as_text=True)
    assert 'data-testid="receipt-link"' in home and receipt_url in home
    assert "洗衣粉" in client.get(receipt_url).get_data(as_text=True)


def test_refusals_at_the_counter_are_clear_and_change_nothing(app, client, session, world, clerk, login_as):
    login_as(clerk)
    bad = client.post(f"/counter/{world.supermarket.id}/identify", data={"code": "M1.123.0000000000000000"})
    assert bad.status_code == 403 and "会员码无效或已过期" in bad.get_data(as_text=True)
    empty = client.post(f"/counter/{world.supermarket.id}/identify", data={"code": ""})
    assert empty.status_code == 400
    outsider = scan(client, app, world, world.outsider)
    assert outsider.status_code == 403 and "不在本超市服务范围" in outsider.get_data(as_text=True)

    scan(client, app, world)
    poor = confirm(client, world, [(world.oil, 1), (world.soap, 6)])
    assert poor.status_code == 409
    assert "积分不足：这户有 100 分，本次需要 110 分" in poor.get_data(as_text=True)
    out = confirm(client, world, [(world.soap, 21)], key="k2")
    assert out.status_code == 409 and "库存不足" in out.get_data(as_text=True)
    off = confirm(client, world, [(world.towel, 1)], key="k3")
    assert off.status_code == 409 and "已下架" in off.get_data(as_text=True)
    junk = client.post(f"/counter/{world.supermarket.id}/checkout",
                       data={"key": "k4", "goods": ["abc"], "quantity": ["1"]})
    assert junk.status_code == 400
    huge = client.post(f"/counter/{world.supermarket.id}/checkout",
                       data={"key": "k5", "goods": [str(2**70)], "quantity": ["1"]})
    assert huge.status_code == 400
    for goods_id, quantity in ((str(world.soap.id), "²"), ("¹", "1"), (str(world.soap.id), "١")):
        odd = client.post(f"/counter/{world.supermarket.id}/checkout",
                          data={"key": "k6", "goods": [goods_id], "quantity": [quantity]})
        assert odd.status_code == 400, (goods_id, quantity)
    session.rollback()
    assert session.execute(select(func.count(Checkout.id))).scalar_one() == 0
    assert balance_of(session, world.household.account_id) == 100


def test_checkout_needs_a_scan_first(app, client, session, world, clerk, login_as):
    login_as(clerk)
    response = confirm(client, world, [(world.soap, 1)])
    assert response.status_code == 302
    session.rollback()
    assert session.execute(select(func.count(Checkout.id))).scalar_one() == 0


def test_clerk_voids_the_same_day_with_a_reason(app, client, session, world, clerk, login_as):
    login_as(clerk)
    scan(client, app, world)
    receipt_url = confirm(client, world, [(world.soap, 3)]).headers["Location"]
    assert "作废本单" in client.get(receipt_url).get_data(as_text=True)
    assert client.post(receipt_url + "/void", data={"reason": ""}).status_code == 400
    voided = client.post(receipt_url + "/void", data={"reason": "拿错了"})
    assert voided.status_code == 302
    page = client.get(receipt_url).get_data(as_text=True)
    assert 'data-testid="voided"' in page and "拿错了" in page
    assert client.post(receipt_url + "/void", data={"reason": "再来"}).status_code == 409
    session.rollback()
    assert balance_of(session, world.household.account_id) == 100
    assert session.get(Goods, world.soap.id).stock == 20
    assert "No. " in client.get(f"/counter/{world.supermarket.id}/today").get_data(as_text=True)


def test_goods_donations_stock_take_donor_and_reconciliation(app, client, session, world, login_as):
    committee = make_user(session, Role.VILLAGE_COMMITTEE, world.village)
    login_as(committee)
    shop = world.supermarket.id
    created = client.post(f"/supermarkets/{shop}/goods/new",
                          data={"name": "酱油", "price": "8", "unit": "瓶", "active": "y"})
    assert created.status_code == 302
    assert client.post(f"/supermarkets/{shop}/goods/new",
                       data={"name": "酱油", "price": "8", "unit": "瓶"}).status_code == 409
    assert client.post(f"/supermarkets/{shop}/goods/new",
                       data={"name": "醋", "price": "0", "unit": "瓶"}).status_code == 400
    session.rollback()
    sauce = session.execute(select(Goods).where(Goods.name == "酱油")).scalar_one()
    assert sauce.initials == "jy" and sauce.stock == 0

    page = client.get(f"/supermarkets/{shop}/donations").get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([0-9a-f]{32})"', page).group(1)
    lot = {"donor": "平安粮油有限公司", "kind": "enterprise", "goods": sauce.id, "quantity": "12",
           "value": "96.50", "key": key}
    given = client.post(f"/supermarkets/{shop}/donations", data=lot)
    assert given.status_code == 302
    # A second press of the same form records nothing more; the same form with another lot is refused.
    assert client.post(f"/supermarkets/{shop}/donations", data=lot).status_code == 302
    changed = client.post(f"/supermarkets/{shop}/donations", data=lot | {"quantity": "13"})
    assert changed.status_code == 409 and "捐赠单已经提交过" in changed.get_data(as_text=True)
    assert client.post(f"/supermarkets/{shop}/donations", data=lot | {"key": ""}).status_code == 400
    session.rollback()
    lots = select(func.count(Donation.id)).where(Donation.goods_id == sauce.id)
    assert session.execute(lots).scalar_one() == 1 and session.get(Goods, sauce.id).stock == 12
    assert client.post(f"/supermarkets/{shop}/donations", data={
        "donor": "x", "kind": "enterprise", "goods": sauce.id, "quantity": "-1",
        "key": "neg"}).status_code == 400
    cents = client.post(f"/supermarkets/{shop}/donations", data={
        "donor": "x", "kind": "enterprise", "goods": sauce.id, "quantity": "1", "value": "1.005",
        "key": "cents"})
    assert cents.status_code == 400 and "精确到分" in cents.get_data(as_text=True)
    for odd in ("sNaN", "NaN", "Infinity", "-inf"):
        refused = client.post(f"/supermarkets/{shop}/donations", data={
            "donor": "x", "kind": "enterprise", "goods": sauce.id, "quantity": "1", "value": odd,
            "key": "odd"})
        assert refused.status_code == 400 and "价值不对" in refused.get_data(as_text=True), odd
    took = client.post(f"/supermarkets/{shop}/goods/{sauce.id}/stocktake",
                       data={"counted": "11", "reason": "破损"})
    assert took.status_code == 302
    assert client.post(f"/supermarkets/{shop}/goods/{sauce.id}/stocktake",
                       data={"counted": "-3", "reason": "x"}).status_code == 400
    session.rollback()
    assert session.get(Goods, sauce.id).stock == 11
    donor = session.execute(select(Donor).where(Donor.name == "平安粮油有限公司")).scalar_one()
    page = client.get(f"/supermarkets/{shop}/donors/{donor.id}").get_data(as_text=True)
    assert "酱油 12 瓶" in page and "96.50" in page

    report = client.get(f"/supermarkets/{shop}/reconciliation").get_data(as_text=True)
    assert 'data-testid="ties-out">一致<' in report
    xlsx = client.get(f"/supermarkets/{shop}/reconciliation.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    sauce_row = next(r for r in rows if r[0] == "酱油")
    assert sauce_row[2:8] == (0, 12, 0, -1, 11, 0)
    assert ("核对结果", "一致") in [r[:2] for r in rows]
    # A name typed as a formula is exported as text: opening the workbook runs nothing.
    client.post(f"/supermarkets/{shop}/goods/new",
                data={"name": "=1+1", "price": "3", "unit": "个", "active": "y"})
    sheet = load_workbook(io.BytesIO(client.get(f"/supermarkets/{shop}/reconciliation.xlsx").data)).active
    trap = next(row[0] for row in sheet.iter_rows() if row[0].value == "=1+1")
    assert trap.data_type == "s"
    assert client.get(f"/supermarkets/{shop}/reconciliation?month=2026-13").status_code == 400


def test_outsiders_get_404_everywhere(app, client, session, world, clerk, login_as):
    county = world.county
    township = make_region(session, "远山乡", Level.TOWNSHIP, county)
    far = make_region(session, "远山村", Level.VILLAGE, township)
    stranger = make_user(session, Role.CLERK, far)
    scan_client = login_as(clerk)
    scan(scan_client, app, world)
    receipt_url = confirm(scan_client, world, [(world.soap, 1)]).headers["Location"]
    client.post("/logout")

    login_as(stranger)
    shop = world.supermarket.id
    for url in (f"/counter/{shop}", f"/counter/{shop}/today", receipt_url, f"/supermarkets/{shop}",
                f"/supermarkets/{shop}/goods/{world.soap.id}", f"/supermarkets/{shop}/donations",
                f"/supermarkets/{shop}/donors", f"/supermarkets/{shop}/reconciliation",
                f"/supermarkets/{shop}/reconciliation.xlsx", "/counter/999999", "/counter/receipts/99999"):
        assert client.get(url).status_code == 404, url
    for url in (f"/counter/{shop}/identify", f"/counter/{shop}/checkout", receipt_url + "/void",
                f"/supermarkets/{shop}/goods/new"):
        assert client.post(url, data={}).status_code == 404, url
    client.post("/logout")

    # A villager of the same village sees neither the counter nor someone else's receipt.
    neighbour = make_user(session, Role.VILLAGER, world.village, person=head_of(session, world.outsider))
    login_as(neighbour)
    assert client.get(f"/counter/{shop}").status_code == 404
    assert client.get(receipt_url).status_code == 404


def test_a_committee_opens_a_supermarket_for_its_villages(app, client, session, world, login_as):
    committee = make_user(session, Role.VILLAGE_COMMITTEE, world.other_village)
    login_as(committee)
    assert "本辖区还没有爱心超市" in client.get("/supermarkets").get_data(as_text=True)
    form = client.get("/supermarkets/new").get_data(as_text=True)
    assert "石桥村" in form
    far_township = make_region(session, "远山乡", Level.TOWNSHIP, world.county)
    far = make_region(session, "远山村", Level.VILLAGE, far_township)
    name, home = "石桥村爱心超市", world.other_village.id
    refused = client.post("/supermarkets/new", data={"name": name, "region": home,
                                                     "villages": [home, far.id]})
    assert refused.status_code == 400
    # A neighbouring village of the same township is not theirs to serve either.
    assert "和平村" not in form
    neighbour = client.post("/supermarkets/new", data={"name": name, "region": home,
                                                      "villages": [home, world.village.id]})
    assert neighbour.status_code == 400
    assert "所选的项不在可选范围内" in neighbour.get_data(as_text=True)
    opened = client.post("/supermarkets/new", data={"name": name, "region": home, "villages": [home]})
    assert opened.status_code == 302
    session.rollback()
    from redeem.models import Supermarket

    shop = session.execute(select(Supermarket).where(Supermarket.name == "石桥村爱心超市")).scalar_one()
    assert shop.village_ids == {world.other_village.id}
    # Someone else's village is not theirs to open a supermarket in.
    assert client.post("/supermarkets/new", data={"name": "x", "region": world.village.id,
                                                  "villages": [world.village.id]}).status_code == 400


def test_a_clerk_without_a_supermarket_is_told_so(app, client, session, world, login_as):
    login_as(make_user(session, Role.CLERK, world.other_village))
    assert "还没有您可以收银的超市" in client.get("/counter").get_data(as_text=True)
    client.post("/logout")
    login_as(make_user(session, Role.VILLAGER, world.village))
    assert client.get("/counter").status_code == 404
    assert client.get("/supermarkets").status_code == 404


def test_goods_photo_is_stored_and_served(app, client, session, world, tmp_path, login_as):
    from PIL import Image

    app.config["PHOTO_DIR"] = str(tmp_path)
    login_as(make_user(session, Role.CLERK, world.village))
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 30, 30)).save(picture, format="PNG")
    picture.seek(0)
    shop = world.supermarket.id
    saved = client.post(f"/supermarkets/{shop}/goods/{world.soap.id}", data={
        "name": "洗衣粉", "price": "10", "unit": "袋", "active": "y", "photo": (picture, "soap.png"),
    }, content_type="multipart/form-data")
    assert saved.status_code == 302
    photo = client.get(f"/supermarkets/{shop}/goods/{world.soap.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    junk = client.post(f"/supermarkets/{shop}/goods/{world.soap.id}", data={
        "name": "洗衣粉", "price": "10", "unit": "袋", "photo": (io.BytesIO(b"not a picture"), "x.png"),
    }, content_type="multipart/form-data")
    assert 400 <= junk.status_code < 500
    assert client.get(f"/supermarkets/{shop}/goods/{world.oil.id}/photo").status_code == 404
