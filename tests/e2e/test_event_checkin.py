"""In a real browser on 360 px phones: the village committee creates an event and shows its
rotating QR code; a villager who is not logged in opens the URL the code encodes, logs in, comes
back checked in; the organiser closes the event, adjusts the minutes and confirms; the villager's
household points and own hours rise by exactly what the rule gives."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from incentives.auth.models import User
from incentives.auth.roles import Role
from incentives.events.tokens import screen_token
from incentives.places.models import Region
from incentives.qr import qr_svg
from incentives.rules.models import Category
from incentives.rules.services import points_for, publish_rule
from ledger.balances import balance_of
from ledger.models import utcnow
from ledger.transaction import run_in_transaction
from tests.e2e.helpers import assert_fits_phone, demo_login, in_app

RULE_NAME = "活动测试：河道清理志愿服务"
POINTS_PER_HOUR = 6








def publish_hourly_rule(live_server, village_name: str) -> int:
    """The village's catalogue may hold no per-hour rule yet: publish one for this test."""

    def publish(session):
        village = session.execute(select(Region).where(Region.name == village_name)).scalar_one()
        rule = run_in_transaction(session, lambda: publish_rule(
            session, village, Category.VOLUNTEER, "e2e", name=RULE_NAME, points=POINTS_PER_HOUR,
            per="hour"))
        return village.id, rule.id

    return in_app(live_server, publish)


def household_and_hours(live_server, phone: str) -> tuple[int, int]:
    def read(session):
        person = session.execute(select(User).where(User.phone == phone)).scalar_one().person
        return (balance_of(session, person.household.account_id),
                balance_of(session, person.hours_account_id))

    return in_app(live_server, read)


def local_input(moment: datetime, timezone: str) -> str:
    """What a datetime-local field holds for ``moment`` (naive UTC) on a phone in ``timezone``."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def test_a_villager_checks_in_by_opening_the_url_the_qr_encodes(live_server, new_phone, login,
                                                               screenshot):
    organiser_phone, organiser_password, village_name = demo_login(Role.VILLAGE_COMMITTEE)
    villager_phone, villager_password, _ = demo_login(Role.VILLAGER)
    village_id, _ = publish_hourly_rule(live_server, village_name)
    points_before, minutes_before = household_and_hours(live_server, villager_phone)
    timezone = live_server.app.config["BABEL_DEFAULT_TIMEZONE"]

    # The committee member creates the event with the form, on their phone.
    organiser = new_phone()
    login(organiser, organiser_phone, organiser_password)
    organiser.goto(live_server(f"/events/new?village={village_id}"))
    now = utcnow()
    organiser.get_by_label("活动名称").fill("周六河道清理")
    organiser.get_by_label("活动地点").fill("村口河道")
    organiser.get_by_label("开始时间").fill(local_input(now - timedelta(minutes=10), timezone))
    organiser.get_by_label("结束时间").fill(local_input(now + timedelta(hours=2), timezone))
    organiser.get_by_label("计分细则（按小时）").select_option(
        label=f"{RULE_NAME}（每小时 {POINTS_PER_HOUR} 分）")
    organiser.get_by_label("人数上限").fill("50")
    organiser.get_by_role("button", name="创建活动").click()
    organiser.wait_for_url(re.compile(r"/events/\d+$"))
    event_id = int(organiser.url.rsplit("/", 1)[1])
    expect(organiser.get_by_role("heading", name="周六河道清理")).to_be_visible()
    assert_fits_phone(organiser)

    # Its rotating code, as the server drew it: the scan URL with this minute's signed token.
    organiser.get_by_role("link", name="签到二维码").click()
    organiser.wait_for_url(re.compile(rf"/events/{event_id}/qr$"))
    expect(organiser.locator("#event-qr svg")).to_be_visible()
    assert_fits_phone(organiser)
    screenshot(organiser, "event-qr")
    secret = live_server.app.config["SECRET_KEY"]
    for _ in range(2):  # the minute may turn between the page and our own token
        html = organiser.goto(live_server(f"/events/{event_id}/qr")).text()
        token = screen_token(secret, event_id, utcnow())
        url = live_server(f"/events/{event_id}/scan?t={token}")
        if str(qr_svg(url)) in html:
            break
    else:
        raise AssertionError("the organiser's QR code does not encode the current scan URL")

    # A villager not logged in opens that URL: login first, then straight back, checked in.
    villager = new_phone()
    villager.goto(url)
    villager.wait_for_url(re.compile(r"/login\?next="))
    expect(villager.get_by_role("status")).to_have_text("请先登录，登录后自动为您签到。")
    villager.get_by_label("手机号").fill(villager_phone)
    villager.get_by_label("密码").fill(villager_password)
    villager.get_by_role("button", name="登录").click()
    villager.wait_for_url(re.compile(rf"/events/{event_id}/me$"))
    expect(villager.get_by_role("status")).to_contain_text("签到成功")
    expect(villager.get_by_test_id("attendance-state")).to_have_text("已签到")
    assert_fits_phone(villager)
    screenshot(villager, "event-checked-in")

    # The organiser sees who recorded the check-in, closes, adjusts the minutes and confirms.
    organiser.goto(live_server(f"/events/{event_id}"))
    expect(organiser.get_by_test_id("headcount")).to_have_text("1 / 50")
    row = organiser.locator(".event-person")
    expect(row).to_contain_text("扫码签到")
    organiser.get_by_role("button", name="结束活动").click()
    expect(organiser.get_by_role("status")).to_contain_text("1 人自动签退")
    organiser.get_by_role("link", name="调整时长").click()
    organiser.get_by_label("计入时长（分钟）").fill("120")
    organiser.get_by_label("调整原因").fill("忘记签退，实际参加两小时")
    organiser.get_by_role("button", name="保存").click()
    expect(row).to_contain_text("忘记签退，实际参加两小时")
    organiser.get_by_role("button", name="确认入账").click()
    earned = points_for(type("Version", (), {"per": "hour", "points": POINTS_PER_HOUR}), 120)
    expect(organiser.get_by_role("status")).to_have_text(
        f"已确认入账：1 人，共 2小时，{earned} 积分。")
    expect(organiser.get_by_test_id("event-status")).to_have_text("已确认入账")
    assert_fits_phone(organiser)
    screenshot(organiser, "event-confirmed")

    # Exactly the rule's points to the household, and the minutes to the villager's time bank.
    assert household_and_hours(live_server, villager_phone) == (points_before + earned,
                                                                minutes_before + 120)
    villager.goto(live_server("/me"))
    expect(villager.get_by_test_id("balance")).to_have_text(f"{points_before + earned:,}")
    expect(villager.locator("ol.entries > li").first).to_contain_text("志愿服务活动：周六河道清理")
