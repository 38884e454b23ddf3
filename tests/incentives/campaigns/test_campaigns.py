"""Campaigns pay from their own budget and stop at it, inside their window and villages."""

from datetime import date

import pytest

from incentives.auth.roles import Role
from incentives.campaigns.models import Campaign
from incentives.campaigns.services import (
    CampaignError,
    CampaignRuleSpec,
    award_in_campaign,
    campaign_report,
    launch_campaign,
)
from incentives.places.models import Household, Region
from incentives.rules.models import Category, Per
from ledger.balances import reconcile
from ledger.models import Account
from ledger.transaction import run_in_transaction
from tests.factories import make_household, make_user

TODAY = date(2026, 11, 23)


def launch(session, township, villages, budget=100, points=30, **overrides):
    values = dict(name="最美家庭评选", sponsor="县妇联", starts_on=date(2026, 11, 1),
                  ends_on=date(2026, 12, 31), budget=budget,
                  rules=[CampaignRuleSpec("最美家庭", Category.FILIAL, points, Per.OCCURRENCE.value)])
    values |= overrides
    return run_in_transaction(session, lambda: launch_campaign(
        session, session.get(Region, township.id), "user:fulian",
        villages=[session.get(Region, v.id) for v in villages], **values))


def give(session, campaign, household, today=TODAY, quantity=1):
    return run_in_transaction(session, lambda: award_in_campaign(
        session, session.get(Campaign, campaign.id), session.get(Campaign, campaign.id).rules[0],
        session.get(Household, household.id), quantity, actor="user:fulian", today=today))


def test_budget_is_funded_and_awards_draw_on_it_until_it_is_spent(session, county):
    township, v1, v2, _ = county
    campaign = launch(session, township, [v1, v2], budget=100, points=30)
    households = [make_household(session, v1, f"户{i}") for i in range(4)]

    for household in households[:3]:
        give(session, campaign, household)
    with pytest.raises(CampaignError) as refused:
        give(session, campaign, households[3])

    assert "剩余 10 分" in str(refused.value)
    session.expire_all()
    report = campaign_report(session, session.get(Campaign, campaign.id))
    assert (report.issued, report.left, report.participants) == (90, 10, 3)
    assert [(v.village.name, v.participants, v.households) for v in report.villages] == [
        ("和平村", 3, 4), ("东风社区", 0, 0)]
    assert session.get(Account, households[3].account_id).balance == 0
    assert reconcile(session).ok


def test_each_household_gets_a_campaign_rule_once(session, county):
    township, v1, _, _ = county
    campaign = launch(session, township, [v1])
    household = make_household(session, v1)
    first = give(session, campaign, household)
    again = give(session, campaign, household)
    assert again.id == first.id
    session.expire_all()
    assert session.get(Account, household.account_id).balance == 30


def test_outside_the_window_or_the_villages_is_refused(session, county):
    township, v1, v2, _ = county
    campaign = launch(session, township, [v1])
    with pytest.raises(CampaignError, match="不在活动时间内"):
        give(session, campaign, make_household(session, v1), today=date(2027, 1, 1))
    with pytest.raises(CampaignError, match="不在活动范围内"):
        give(session, campaign, make_household(session, v2))


@pytest.mark.parametrize("overrides", [
    dict(budget=0), dict(ends_on=date(2026, 10, 1)), dict(name=""), dict(rules=[]),
])
def test_malformed_campaigns_are_refused(session, county, overrides):
    township, v1, _, _ = county
    with pytest.raises(CampaignError):
        launch(session, township, [v1], **overrides)


def test_villages_outside_the_staff_region_are_refused(session, county):
    township, v1, _, v3 = county
    with pytest.raises(CampaignError):
        launch(session, township, [v1, v3])


def test_campaign_pages_for_staff_of_that_region_only(app, session, county, login_as):
    township, v1, _, v3 = county
    campaign = launch(session, township, [v1])
    make_household(session, v1, "张建国")
    household = session.query(Household).filter_by(head_name="张建国").one()
    staff = login_as(make_user(session, Role.WOMENS_FEDERATION, township))

    page = staff.get(f"/campaigns/{campaign.id}")
    assert page.status_code == 200 and "最美家庭评选" in page.get_data(as_text=True)

    other = app.test_client()
    outsider = make_user(session, Role.WOMENS_FEDERATION, v3.parent)
    other.post("/login", data={"phone": outsider.phone, "password": "secret123"})
    assert other.get(f"/campaigns/{campaign.id}").status_code == 404
    committee = app.test_client()
    member = make_user(session, Role.VILLAGE_COMMITTEE, v1)
    committee.post("/login", data={"phone": member.phone, "password": "secret123"})
    assert committee.get("/campaigns").status_code == 404
    assert household is not None


def test_launch_and_award_through_the_pages(app, session, county, login_as):
    township, v1, v2, _ = county
    household = make_household(session, v1, "张建国")
    staff = login_as(make_user(session, Role.YOUTH_LEAGUE, township))
    created = staff.post("/campaigns/new", data={
        "name": "青年志愿者河道守护", "sponsor": "团县委", "starts_on": "2026-01-01",
        "ends_on": "2030-12-31", "budget": "50", "villages": [str(v1.id), str(v2.id)],
        "rule_name": "河道守护", "rule_category": "volunteer", "rule_points": "20",
        "rule_per": "occurrence",
    })
    assert created.status_code == 302, created.get_data(as_text=True)
    url = created.headers["Location"]
    awarded = staff.post(url + "/award", data={
        "village": str(v1.id), "household_number": household.number,
        "rule": str(session.query(Campaign).one().rules[0].id), "quantity": "1"})
    assert awarded.status_code == 302
    page = staff.get(url).get_data(as_text=True)
    assert 'data-testid="left">30<' in page and 'data-testid="participants">1<' in page
    missing = staff.post(url + "/award", data={
        "village": str(v1.id), "household_number": "nope",
        "rule": str(session.query(Campaign).one().rules[0].id), "quantity": "1"})
    assert missing.status_code == 404 and "找不到该户" in missing.get_data(as_text=True)
