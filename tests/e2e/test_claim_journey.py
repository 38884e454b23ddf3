"""In a real browser on a 360 px phone: a villager reports river patrol hours with a photo, the
village committee approves it, it stands in the public notice without touching the balance, the
notice passes (the posting job runs with the clock moved a week on), and the balance rises."""

import io
import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from incentives.auth.models import User
from incentives.auth.roles import Role
from incentives.claims.services import post_due_claims
from incentives.places.models import Region
from incentives.rules.models import Category
from incentives.rules.services import publish_rule
from ledger.balances import balance_of
from ledger.models import utcnow
from ledger.transaction import run_in_transaction
from tests.e2e.helpers import assert_fits_phone, demo_login, in_app

RULE_NAME = "巡河护河志愿服务"  # a village rule of its own, so the test never depends on the seed's








def publish_patrol_rule(live_server, village_name: str) -> int:
    def work(session):
        village = session.execute(select(Region).where(Region.name == village_name)).scalar_one()
        rule = run_in_transaction(session, lambda: publish_rule(
            session, village, Category.VOLUNTEER, "village:e2e", name=RULE_NAME, points=5,
            per="hour", evidence_required=True,
        ))
        return rule.id

    return in_app(live_server, work)


def household_balance(live_server, phone: str) -> tuple[str, int]:
    def read(session):
        user = session.execute(select(User).where(User.phone == phone)).scalar_one()
        household = user.person.household
        return household.head_name, balance_of(session, household.account_id)

    return in_app(live_server, read)


def phone_photo(tmp_path) -> str:
    """A 12-megapixel-ish phone picture (4000 x 3000): the server must shrink it."""
    path = tmp_path / "river.jpg"
    image = Image.new("RGB", (4000, 3000), (40, 110, 160))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    path.write_bytes(out.getvalue())
    return str(path)


def test_report_approve_notice_then_the_balance_rises(live_server, new_phone, login, tmp_path, screenshot):
    live_server.app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    villager_phone, villager_password, village_name = demo_login(Role.VILLAGER)
    committee_phone, committee_password, _ = demo_login(Role.VILLAGE_COMMITTEE)
    rule_id = publish_patrol_rule(live_server, village_name)
    head_name, before = household_balance(live_server, villager_phone)
    today = utcnow().replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()

    # The villager reports two hours of river patrol, with a photo straight from the camera.
    villager = new_phone()
    login(villager, villager_phone, villager_password)
    villager.goto(live_server("/claims/new"))
    expect(villager.get_by_role("heading", name="我要申报")).to_be_visible()
    villager.get_by_label("申报事项").select_option(str(rule_id))
    villager.locator("#amount").fill("2")
    villager.locator("#done_on").fill(today.isoformat())
    villager.locator("#note").fill("沿河巡查两小时，清理塑料袋")
    photos = villager.locator("#photos")
    expect(photos).to_have_attribute("accept", "image/*")
    photos.set_input_files(phone_photo(tmp_path))
    assert_fits_phone(villager)
    screenshot(villager, "claim-new")
    villager.get_by_role("button", name="提交申报").click()

    villager.wait_for_url(re.compile(r"/claims/\d+$"))
    claim_url = villager.url
    expect(villager.get_by_role("status")).to_have_text("已提交，请等待网格员或村委审核。")
    expect(villager.get_by_test_id("claim-state")).to_have_text("待审核")
    expect(villager.get_by_test_id("claim-points")).to_contain_text("+10")
    image = villager.locator(".photos img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == 1600  # shrunk on the server
    assert_fits_phone(villager)

    # The village committee finds it in the review queue and approves it.
    committee = new_phone()
    login(committee, committee_phone, committee_password)
    committee.goto(live_server("/claims/review"))
    queue = committee.get_by_test_id("submitted")
    expect(queue).to_contain_text(f"{head_name}家")
    assert_fits_phone(committee)
    screenshot(committee, "claim-review")
    queue.get_by_role("link", name=RULE_NAME).click()
    committee.wait_for_url(claim_url)
    expect(committee.locator(".photos img")).to_be_visible()
    assert_fits_phone(committee)
    screenshot(committee, "claim-approve")
    committee.get_by_role("button", name="通过", exact=True).click()
    committee.wait_for_url(re.compile(r"/claims/review$"))
    expect(committee.get_by_role("status")).to_have_text("已通过，进入公示。")

    # On the village's public notice, and not yet in the balance.
    villager.goto(live_server("/claims/notice"))
    item = villager.locator("[data-testid=notice-items] li", has_text=RULE_NAME)
    expect(item).to_contain_text(f"{head_name}家 · {RULE_NAME}")
    expect(item).to_contain_text("公示至")
    expect(item.get_by_text("提出异议")).to_be_visible()
    assert_fits_phone(villager)
    screenshot(villager, "claim-notice")
    villager.goto(live_server("/me"))
    expect(villager.get_by_test_id("balance")).to_have_text(f"{before:,}")

    # A week and a day later the posting job runs (twice: the second run posts nothing). The job's
    # own function, at that time: the CLI's --now refuses the future, as it should.
    later = utcnow() + timedelta(days=8)

    def post_due(session):
        return run_in_transaction(session, lambda: len(post_due_claims(session, later)))

    assert in_app(live_server, post_due) == 1
    assert in_app(live_server, post_due) == 0

    villager.reload()
    expect(villager.get_by_test_id("balance")).to_have_text(f"{before + 10:,}")
    expect(villager.locator("ol.entries > li").first).to_contain_text(f"申报：{RULE_NAME} 2小时")
    villager.goto(claim_url)
    expect(villager.get_by_test_id("claim-state")).to_have_text("已入账")
    expect(villager.get_by_test_id("claim-posted")).to_contain_text("+10")
    assert_fits_phone(villager)
    screenshot(villager, "claim-posted")
    assert household_balance(live_server, villager_phone) == (head_name, before + 10)
