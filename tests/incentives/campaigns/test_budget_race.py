"""Many awards racing for a campaign's last points, from separate processes: the budget pays
exactly what it holds and the rest are refused cleanly."""

import traceback

import pytest

from ledger.balances import reconcile
from ledger.models import Account
from tests.incentives.campaigns.test_campaigns import launch
from tests.races import race, worker_session

pytestmark = pytest.mark.slow

WORKERS = 8


def _award(url, campaign_id, household_id, barrier, results):
    from datetime import date

    from incentives.campaigns.models import Campaign
    from incentives.campaigns.services import CampaignError, award_in_campaign
    from incentives.places.models import Household
    from ledger.transaction import run_in_transaction

    outcome = "error"
    try:
        with worker_session(url) as session:
            barrier.wait(timeout=60)
            try:
                run_in_transaction(session, lambda: award_in_campaign(
                    session, session.get(Campaign, campaign_id),
                    session.get(Campaign, campaign_id).rules[0],
                    session.get(Household, household_id), 1, actor="user:race",
                    today=date(2026, 11, 23)))
                outcome = "paid"
            except CampaignError:
                outcome = "refused"
    except Exception:
        outcome = "error: " + traceback.format_exc()
    finally:
        results.put(outcome)


def test_racing_awards_never_overdraw_the_budget(db_url, session, county):
    from tests.factories import make_household

    township, village, _, _ = county
    campaign = launch(session, township, [village], budget=100, points=30)
    households = [make_household(session, village, f"户{i}") for i in range(WORKERS)]
    outcomes = race(_award, [(db_url, campaign.id, h.id) for h in households])

    assert sorted(outcomes) == ["paid"] * 3 + ["refused"] * 5, outcomes
    session.expire_all()
    assert session.get(Account, campaign.budget_account_id).balance == 10
    assert sum(session.get(Account, h.account_id).balance for h in households) == 90
    assert reconcile(session).ok
