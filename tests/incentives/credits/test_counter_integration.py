"""At the counter, for villagers without a phone: the clerk identifies the household by its
printed card and PIN, and puts a printed credit's points into the household by typing its code."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from incentives.auth.roles import Role
from incentives.counter.identify import identify_household
from incentives.credits.services import fund_village_pool
from incentives.places.models import Region
from ledger.balances import balance_of
from ledger.models import utcnow
from ledger.transaction import run_in_transaction
from redeem.card_models import CardAttempt
from redeem.cards import PinRequired, WrongPin, issue_card
from redeem.codes import format_card_number, format_credit_code
from redeem.credit_models import Credit
from redeem.credits import claim_url, issue_batch
from tests.factories import make_user
from tests.redeem.world import make_world

NOW = datetime(2026, 11, 29, 2, 0)


@pytest.fixture
def world(session):
    world = make_world(session, points=100)
    world.card = run_in_transaction(
        session, lambda: issue_card(session, world.household.id, "2580", "test", NOW))
    pool = run_in_transaction(session, lambda: fund_village_pool(
        session, session.get(Region, world.village.id), 500, sponsor="县财政", actor="test", key="p"))
    batch = run_in_transaction(session, lambda: issue_batch(
        session, budget_account_id=pool.id, region_id=world.village.id, village_ids=[world.village.id],
        name="敬老", points=30, count=2, expires_on=date(2030, 12, 31),
        expires_at=datetime(2030, 12, 31, 16), actor="test", now=NOW))
    world.codes = session.execute(
        select(Credit.code).where(Credit.batch_id == batch.id).order_by(Credit.id)).scalars().all()
    session.rollback()
    return world


def test_identify_household_reads_a_card_and_its_pin(session, world):
    number = format_card_number(world.card.number)
    assert identify_household(session, number, secret="s", pin="2580", actor="t").id == world.household.id
    with pytest.raises(PinRequired):
        identify_household(session, number, secret="s", actor="t")
    with pytest.raises(WrongPin):
        identify_household(session, number, secret="s", pin="1357", actor="t")
    assert session.execute(select(func.count(CardAttempt.id))).scalar_one() == 2


def test_the_clerk_identifies_by_card_and_spends_a_typed_credit(app, client, session, world, login_as):
    login_as(make_user(session, Role.CLERK, world.village))
    counter = f"/counter/{world.supermarket.id}"
    page = client.get(counter).get_data(as_text=True)
    assert 'name="pin"' in page

    wrong = client.post(counter + "/identify", data={"code": world.card.number, "pin": "1357"})
    assert wrong.status_code == 403 and "密码不对，还可以再试 4 次" in wrong.get_data(as_text=True)
    missing = client.post(counter + "/identify", data={"code": world.card.number})
    assert missing.status_code == 400 and "家庭密码" in missing.get_data(as_text=True)
    found = client.post(counter + "/identify", data={"code": world.card.number, "pin": "2580"})
    assert found.status_code == 302
    page = client.get(counter).get_data(as_text=True)
    assert "张建国家" in page and 'name="credit_code"' in page

    typo = ("1" if world.codes[0][0] != "1" else "2") + world.codes[0][1:]
    refused = client.post(counter + "/credit", data={"credit_code": typo})
    assert refused.status_code == 400 and "校验位不符" in refused.get_data(as_text=True)
    broken = client.post(counter + "/credit", data={"credit_code": "http://[x/credits/c/" + world.codes[0]})
    assert broken.status_code == 400 and "这不是积分券码" in broken.get_data(as_text=True)
    used = client.post(counter + "/credit", data={"credit_code": format_credit_code(world.codes[0]).lower()})
    assert used.status_code == 302
    # A scanner reading the coupon's QR types its URL: that works too.
    url = claim_url("http://localhost", world.codes[1])
    scanned = client.post(counter + "/credit", data={"credit_code": url})
    assert scanned.status_code == 302
    again = client.post(counter + "/credit", data={"credit_code": world.codes[0]})
    assert again.status_code == 409 and "使用过" in again.get_data(as_text=True)
    session.rollback()
    assert balance_of(session, world.household.account_id) == 100 + 60
    assert "张建国家" in client.get(counter).get_data(as_text=True)  # still at the counter


def test_a_card_locked_three_times_in_a_day_waits_for_the_committee(app, client, session, world, login_as):
    # Fourteen wrong PINs in the last three hours (two locks and four more), then one more now.
    earlier = utcnow() - timedelta(hours=3)
    run_in_transaction(session, lambda: session.add_all(
        CardAttempt(card_id=world.card.id, actor="user:clerk", succeeded=False,
                    at=earlier + timedelta(hours=n // 5, seconds=n)) for n in range(14)))
    login_as(make_user(session, Role.CLERK, world.village))
    counter = f"/counter/{world.supermarket.id}"

    blocked = client.post(counter + "/identify", data={"code": world.card.number, "pin": "1357"})

    assert blocked.status_code == 423 and "这张卡已停用" in blocked.get_data(as_text=True)
    right = client.post(counter + "/identify", data={"code": world.card.number, "pin": "2580"})
    assert right.status_code == 423 and "村委会重设密码" in right.get_data(as_text=True)
    client.post("/logout")
    login_as(make_user(session, Role.VILLAGE_COMMITTEE, world.village))
    reset = client.post(f"/cards/{world.card.id}/pin", data={"pin": "3691", "pin_again": "3691"})
    assert reset.status_code == 302
    client.post("/logout")
    login_as(make_user(session, Role.CLERK, world.village))
    unlocked = client.post(counter + "/identify", data={"code": world.card.number, "pin": "3691"})
    assert unlocked.status_code == 302
