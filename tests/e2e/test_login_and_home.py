"""In a real browser on a 360 px phone: villagers and the village committee log in and see what
the demo county holds. Every expected figure is read from the database through the app."""

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from incentives.auth.models import User
from incentives.auth.roles import Role
from incentives.filters import hours
from incentives.home.services import household_history
from incentives.places.models import Household, Person, Region
from ledger.balances import balance_of, computed_balance
from tests.e2e.helpers import assert_fits_phone, demo_login, in_app

expect = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'").expect

HAN = re.compile(r"[\u4e00-\u9fff]")
PAGE_WEIGHT_LIMIT = 150 * 1024








@dataclass(frozen=True)
class HouseholdView:
    household_id: int
    village: str
    balance: int
    hours: str
    history: list[tuple[str, str]]  # (reason, "+12" / "-5") as the page shows them


def villager_household(live_server, phone: str) -> HouseholdView:
    def read(session):
        user = session.execute(select(User).where(User.phone == phone)).scalar_one()
        person = user.person
        household = person.household
        cached = balance_of(session, household.account_id)
        assert cached == computed_balance(session, household.account_id)
        return HouseholdView(
            household.id,
            household.village.name,
            cached,
            hours(balance_of(session, person.hours_account_id)),
            [
                (line.entry.reason, f"{line.signed_amount:+d}")
                for line in household_history(session, household)
            ],
        )

    return in_app(live_server, read)


def test_villager_sees_balance_history_and_member_code(live_server, page, login, screenshot):
    phone, password, _ = demo_login(Role.VILLAGER)
    page.goto(live_server("/login"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "login")

    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码", exact=True).fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("status")).to_have_text("手机号或密码不对")

    login(page, phone, password)
    expected = villager_household(live_server, phone)

    expect(page.get_by_test_id("balance")).to_have_text(f"{expected.balance:,}")
    expect(page.get_by_test_id("hours")).to_have_text(expected.hours)
    expect(page.get_by_text(expected.village, exact=False).first).to_be_visible()

    lines = page.locator("ol.entries > li")
    expect(lines).to_have_count(len(expected.history))
    shown = [
        (li.locator(".entry-reason").inner_text(), li.locator(".entry-amount").inner_text())
        for li in lines.all()
    ]
    assert shown == expected.history
    assert shown and all(HAN.search(reason) for reason, _ in shown), shown
    assert any(amount.startswith("-") for _, amount in shown), "the demo reversal is missing"

    qr = page.locator("#member-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["x"] >= 0 and box["x"] + box["width"] <= 360, box

    assert_fits_phone(page)
    screenshot(page, "villager-home")


def test_committee_member_sees_village_households_and_phones(live_server, page, login, screenshot):
    phone, password, village_name = demo_login(Role.VILLAGE_COMMITTEE)

    def read(session):
        village = session.execute(select(Region).where(Region.name == village_name)).scalar_one()
        count = session.execute(
            select(func.count(Household.id)).where(Household.village_id == village.id)
        ).scalar_one()
        first = session.execute(
            select(Household).where(Household.village_id == village.id).order_by(Household.number)
        ).scalars().first()
        phones = [p.phone for p in first.members if p.phone]
        return village.id, count, first.id, first.head_name, phones

    village_id, count, household_id, head_name, phones = in_app(live_server, read)
    assert phones, "the demo household head has a phone number"

    login(page, phone, password)
    expect(page.get_by_role("heading", name="我的工作")).to_be_visible()
    expect(page.locator(".grants")).to_contain_text(f"村委 · {village_name}")
    summary = page.locator(".summary")
    expect(summary).to_contain_text(village_name)
    expect(summary).to_contain_text(f"{count} 户")
    expect(page.get_by_test_id("balance")).to_have_count(0)  # staff, not a household
    assert_fits_phone(page)
    screenshot(page, "committee-dashboard")

    summary.get_by_role("link", name="查看住户").click()
    page.wait_for_url(re.compile(rf"/households\?region={village_id}$"))
    expect(page.get_by_role("heading", name=f"{village_name} · 住户")).to_be_visible()
    expect(page.locator("table.list tbody tr")).to_have_count(min(count, 30))
    expect(page.get_by_role("link", name="导入花名册")).to_be_visible()
    assert_fits_phone(page)

    page.get_by_role("link", name=head_name, exact=True).first.click()
    page.wait_for_url(re.compile(rf"/households/{household_id}$"))
    expect(page.get_by_role("heading", name=f"{head_name}家")).to_be_visible()
    members = page.locator(".members")
    for number in phones:
        expect(members).to_contain_text(number)
    assert_fits_phone(page)
    screenshot(page, "household")


def test_villager_cannot_open_another_villages_household(live_server, page, login):
    phone, password, _ = demo_login(Role.VILLAGER)
    own = villager_household(live_server, phone)

    def other_village_household(session):
        own_village = session.get(Household, own.household_id).village_id
        return session.execute(
            select(Household.id).where(Household.village_id != own_village).order_by(Household.id)
        ).scalars().first()

    other_id = in_app(live_server, other_village_household)
    login(page, phone, password)

    response = page.goto(live_server(f"/households/{other_id}"))
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在。")).to_be_visible()
    expect(page.locator("main")).to_contain_text("错误代码 404")
    expect(page.get_by_role("link", name="返回首页")).to_be_visible()
    assert_fits_phone(page)

    # The same request for their own household is allowed: the 404 is about whose it is.
    assert page.goto(live_server(f"/households/{own.household_id}")).status == 200
    expect(page.get_by_test_id("balance")).to_have_text(f"{own.balance:,}")


def test_villager_home_page_weighs_at_most_150_kb(live_server, new_phone, login):
    phone, password, _ = demo_login(Role.VILLAGER)
    first = new_phone()
    login(first, phone, password)
    # A second, empty-cached phone with the same login: everything is fetched afresh.
    page = new_phone(storage_state=first.context.storage_state())
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(live_server("/me"), wait_until="load")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("balance")).to_be_visible()

    sizes = {r.url: len(r.body()) for r in responses if r.status != 304}
    total = sum(sizes.values())
    kinds = {r.request.resource_type for r in responses}
    assert {"document", "stylesheet", "script"} <= kinds, kinds
    assert all(url.startswith(live_server.url) for url in sizes), f"third-party asset: {sizes}"
    transfer = page.evaluate(
        """() => performance.getEntriesByType('navigation')
                 .concat(performance.getEntriesByType('resource'))
                 .reduce((sum, e) => sum + e.transferSize, 0)"""
    )
    detail = ", ".join(f"{url.removeprefix(live_server.url)} {size} B" for url, size in sizes.items())
    print(f"\nvillager home: bodies {total} B, transferred {transfer} B ({detail})")
    assert transfer > 0
    assert total <= PAGE_WEIGHT_LIMIT, detail
    assert transfer <= PAGE_WEIGHT_LIMIT, f"{transfer} B transferred"


@pytest.fixture
def roster_csv(tmp_path):
    def write(name: str, rows: list[str]) -> str:
        path = tmp_path / name
        path.write_text("\n".join(["户主姓名,身份证号后四位,手机号,网格", *rows]) + "\n", encoding="utf-8")
        return str(path)

    return write


def test_committee_member_imports_a_roster_and_sees_line_numbered_errors(
    live_server, page, login, roster_csv, screenshot
):
    phone, password, village_name = demo_login(Role.VILLAGE_COMMITTEE)
    villager_phone, _, _ = demo_login(Role.VILLAGER)

    def households(session):
        village = session.execute(select(Region).where(Region.name == village_name)).scalar_one()
        count = session.execute(
            select(func.count(Household.id)).where(Household.village_id == village.id)
        ).scalar_one()
        return village.id, count

    village_id, before = in_app(live_server, households)
    login(page, phone, password)
    page.goto(live_server(f"/households/import?region={village_id}"))
    expect(page.get_by_role("heading", name=f"{village_name} · 导入花名册")).to_be_visible()

    page.get_by_label("花名册文件").set_input_files(
        roster_csv("good.csv", ["测试甲,1234,13700000001,第一网格", "测试乙,567X,13700000002,第九网格"])
    )
    page.get_by_role("button", name="导入").click()
    result = page.get_by_test_id("import-result")
    expect(result).to_contain_text("导入完成")
    expect(result).to_contain_text("新增 2 户，更新 0 户，未变 0 户。")
    expect(result).to_contain_text("新建网格：第九网格")
    assert in_app(live_server, households) == (village_id, before + 2)

    def imported_head_phone(session):
        return session.execute(
            select(Person.phone).where(Person.name == "测试乙", Person.is_head.is_(True))
        ).scalar_one()

    assert in_app(live_server, imported_head_phone) == "13700000002"

    page.get_by_label("花名册文件").set_input_files(
        roster_csv(
            "bad.csv",
            [
                "测试丙,2345,13700000003,第一网格",
                "测试丁,2346,1370000000,第一网格",
                ",3456,,第二网格",
                f"测试戊,4567,{villager_phone},第二网格",
            ],
        )
    )
    page.get_by_role("button", name="导入").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors.get_by_role("heading")).to_have_text("花名册有 3 处错误，未导入任何数据")
    expect(errors.locator("li")).to_have_text(
        [
            "第 3 行：手机号应为 11 位数字",
            "第 4 行：户主姓名为空",
            "第 5 行：该手机号已被其他账号使用",
        ]
    )
    expect(errors).to_contain_text("请改正后重新导入整个文件。")
    assert in_app(live_server, households) == (village_id, before + 2)  # all or nothing
    assert_fits_phone(page)
    screenshot(page, "roster-import-errors")


def test_anyone_can_read_the_public_ledger_in_chinese(live_server, page, screenshot):
    page.goto(live_server("/"))
    page.get_by_role("link", name="查看公开账本").click()
    page.wait_for_url(re.compile(r"/ledger$"))
    expect(page.get_by_role("heading", name="公开账本")).to_be_visible()
    entries = page.locator("ol.entries > li")
    expect(entries).to_have_count(live_server.app.config["PUBLIC_LEDGER_PAGE_SIZE"])
    reasons = entries.locator(".entry-reason").all_inner_texts()
    assert all(HAN.search(reason) for reason in reasons), reasons
    expect(page.get_by_role("link", name="更早的记录")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "public-ledger")


def test_top_bar_items_never_break_over_two_lines(live_server, page, login):
    phone, password, _ = demo_login(Role.VILLAGE_COMMITTEE)
    login(page, phone, password)
    for path, switch in (("/me", "English"), ("/me?lang=en", "中文")):
        page.goto(live_server(path))
        items = page.locator(".topbar .brand, .nav a, .nav .link")
        expect(items).to_have_count(4)
        expect(page.locator(".nav")).to_contain_text(switch)
        for box in (item.bounding_box() for item in items.all()):
            assert box["height"] < 60 and box["x"] + box["width"] <= 360, (path, box)
        assert_fits_phone(page)
