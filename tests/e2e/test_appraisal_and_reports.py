"""In a real browser on a 360 px phone: a committee member scores a household in the open
appraisal round (own household not offered), anyone reads a closed round's ranking with its
method, and the county admin opens a report whose chart is drawn from the table's numbers."""

import re

import pytest

from incentives.auth.roles import Role
from tests.e2e.helpers import assert_fits_phone, demo_login

expect = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'").expect

# The first demo committee member of 和平村: head of household 003 (001 is the demo villager's).
MEMBER = ("13970000101", "demo0101")


def test_member_scores_a_household_on_a_phone(live_server, page, login, screenshot):
    login(page, *MEMBER)
    page.get_by_role("link", name="道德评议").click()
    page.get_by_role("link", name=re.compile(r"\d{4}年\d{1,2}月")).first.click()
    households = page.locator(".appraisal-households a")
    expect(households.first).to_be_visible()
    expect(page.locator(".appraisal-households")).not_to_contain_text("003 ·")  # recused: own
    expect(page.locator(".appraisal-households")).to_contain_text("004 ·")
    households.first.click()
    for select in page.locator("select").all():
        select.select_option("8")
    assert_fits_phone(page)
    screenshot(page, "appraisal-score")
    page.get_by_role("button", name="保存，下一户").click()
    expect(page.locator(".flash")).to_contain_text("已保存")


def test_anyone_reads_a_closed_ranking(live_server, page):
    page.goto(live_server("/appraisal/rounds/1/results"))
    expect(page.get_by_test_id("ranking").locator("tbody tr").first).to_be_visible()
    expect(page.locator("body")).to_contain_text("去掉一个最高分和一个最低分")
    assert_fits_phone(page)


def test_county_admin_sees_a_chart_and_the_same_table(live_server, page, login, screenshot):
    phone, password, _ = demo_login(Role.COUNTY_ADMIN)
    login(page, phone, password)
    page.get_by_role("link", name="统计报表").click()
    page.get_by_role("link", name="各村积分发放与兑换").click()
    expect(page.locator("#report-chart")).to_be_visible()
    expect(page.get_by_test_id("report").locator("tbody tr")).to_have_count(3)
    assert_fits_phone(page)
    screenshot(page, "report-villages")
