"""In a real browser on a 360 px phone: the demo clerk types the villager's member code as a
barcode scanner does (the characters, then Enter), picks two goods found by pinyin initials,
confirms, and the villager's history shows the receipt."""

import re

import pytest
from sqlalchemy import select

from incentives.auth.models import User
from incentives.auth.roles import Role
from ledger import EntryKind, Posting, issuing_account, post
from ledger.balances import balance_of
from ledger.transaction import run_in_transaction
from redeem.members import member_token
from redeem.models import Goods
from tests.e2e.helpers import assert_fits_phone, demo_login, in_app

expect = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'").expect


def villager_household(live_server, phone: str) -> tuple[int, str]:
    """The villager's household id and head, topped up to at least 100 points for the test."""

    def work(session):
        household = session.execute(select(User).where(User.phone == phone)).scalar_one().person.household
        if balance_of(session, household.account_id) < 100:
            run_in_transaction(session, lambda: post(session, Posting(
                "e2e:counter:top-up", issuing_account(session).id, household.account_id, 100,
                EntryKind.EARN, "e2e", "测试补足积分",
            )))
        return household.id, household.head_name

    return in_app(live_server, work)


def stock_of(live_server, name: str) -> int:
    return in_app(
        live_server, lambda s: s.execute(select(Goods.stock).where(Goods.name == name)).scalar_one()
    )


def test_clerk_scans_picks_two_goods_and_the_villager_sees_the_receipt(live_server, new_phone, login,
                                                                       screenshot):
    villager_phone, villager_password, _ = demo_login(Role.VILLAGER)
    household_id, head_name = villager_household(live_server, villager_phone)
    soap_before, towel_before = stock_of(live_server, "洗衣粉"), stock_of(live_server, "毛巾")

    clerk = new_phone()
    clerk_phone, clerk_password, _ = demo_login(Role.CLERK)
    login(clerk, clerk_phone, clerk_password)
    clerk.goto(live_server("/counter"))
    code_field = clerk.get_by_label("扫会员码或输入编码")
    expect(code_field).to_be_focused()  # the scanner types into whatever has focus

    # What a USB/Bluetooth scanner does: type the characters quickly, then press Enter.
    token = member_token(live_server.app.config["SECRET_KEY"], household_id)
    clerk.keyboard.type(token, delay=5)
    clerk.keyboard.press("Enter")
    expect(clerk.get_by_test_id("household")).to_contain_text(f"{head_name}家")

    search = clerk.get_by_label(re.compile("搜索商品"))
    search.fill("xyf")
    search.press("Enter")
    clerk.get_by_role("button", name="加入洗衣粉").click()
    search = clerk.get_by_label(re.compile("搜索商品"))
    search.fill("mj")
    search.press("Enter")
    clerk.get_by_role("button", name="加入毛巾").click()
    expect(clerk.get_by_test_id("total")).to_have_text("18")
    assert_fits_phone(clerk)
    screenshot(clerk, "counter")

    clerk.get_by_role("button", name="确认兑换").click()
    clerk.wait_for_url(re.compile(r"/counter/receipts/\d+$"))
    expect(clerk.get_by_test_id("receipt-total")).to_have_text("18")
    receipt_path = re.sub(r"^https?://[^/]+", "", clerk.url)
    assert stock_of(live_server, "洗衣粉") == soap_before - 1
    assert stock_of(live_server, "毛巾") == towel_before - 1

    villager = new_phone()
    login(villager, villager_phone, villager_password)
    link = villager.locator(f'a[data-testid="receipt-link"][href="{receipt_path}"]')
    expect(link).to_contain_text("洗衣粉1袋、毛巾1条")
    link.click()
    expect(villager.get_by_test_id("receipt")).to_contain_text("洗衣粉")
    expect(villager.get_by_test_id("receipt")).to_contain_text("毛巾")
    assert_fits_phone(villager)
    screenshot(villager, "receipt")
