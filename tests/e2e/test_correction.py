"""冲正 in the browser at 360 px: the committee opens a household, reverses a wrong award with a
reason, and the household's history shows the reversal; the balance goes back by the award."""

import re

import pytest
from sqlalchemy import select

from incentives.auth.roles import Role
from incentives.awards.corrections import correctable_entry_ids
from incentives.home.services import household_history
from incentives.places.models import Household, Region
from ledger.balances import balance_of
from ledger.models import Entry
from tests.e2e.helpers import assert_fits_phone, demo_login, in_app

expect = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'").expect


def test_committee_reverses_a_wrong_award_from_the_household_page(live_server, page, login, screenshot):
    phone, password, village_name = demo_login(Role.VILLAGE_COMMITTEE)

    def pick(session):
        """A household of the village with an award on its page whose points it still holds."""
        village = session.execute(select(Region).where(Region.name == village_name)).scalar_one()
        for household in session.execute(
            select(Household).where(Household.village_id == village.id).order_by(Household.number)
        ).scalars():
            balance = balance_of(session, household.account_id)
            entries = [line.entry for line in household_history(session, household)]
            for entry_id in sorted(correctable_entry_ids(session, household, entries)):
                entry = session.get(Entry, entry_id)
                if entry.kind == "earn" and entry.amount <= balance:
                    return household.id, household.head_name, entry.id, entry.amount, balance
        raise AssertionError("the demo has no award to correct")

    household_id, head_name, entry_id, amount, before = in_app(live_server, pick)
    login(page, phone, password)
    page.goto(live_server(f"/households/{household_id}"))
    expect(page.get_by_role("heading", name=f"{head_name}家")).to_be_visible()
    page.locator(f'a[href$="/entries/{entry_id}/correct"]').click()
    page.wait_for_url(re.compile(rf"/households/{household_id}/entries/{entry_id}/correct$"))
    expect(page.get_by_text("每条记录只能冲正一次")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "correction")

    page.get_by_label("冲正原因").fill("登记错户，应记到邻居家")
    page.get_by_role("button", name="确认冲正").click()
    page.wait_for_url(re.compile(rf"/households/{household_id}$"))
    expect(page.get_by_role("status").first).to_contain_text(f"已冲正：{amount} 分")
    expect(page.locator(".entries")).to_contain_text("冲正：登记错户，应记到邻居家")
    expect(page.locator(f'a[href$="/entries/{entry_id}/correct"]')).to_have_count(0)
    assert in_app(live_server, lambda s: balance_of(s, s.get(Household, household_id).account_id)) \
        == before - amount
