"""Many awards racing for a campaign's last points, from separate processes: the budget pays
exactly what it holds and the rest are refused cleanly."""

import multiprocessing
import traceback

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.balances import reconcile
from ledger.models import Account
from tests.incentives.campaigns.test_campaigns import launch

pytestmark = pytest.mark.slow

WORKERS = 8


def _award(url, campaign_id, household_id, barrier, results):
    from datetime import date

    import incentives.models  # noqa: F401  every mapper, as the app has them
    from incentives.campaigns.models import Campaign
    from incentives.campaigns.services import CampaignError, award_in_campaign
    from incentives.places.models import Household
    from ledger.transaction import configure_engine, run_in_transaction

    engine = configure_engine(sa.create_engine(url))
    outcome = "error"
    try:
        with Session(engine) as session:
            session.execute(select(1))
            session.rollback()
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
        engine.dispose()
        results.put(outcome)


def test_racing_awards_never_overdraw_the_budget(db_url, session, county):
    from tests.factories import make_household

    township, village, _, _ = county
    campaign = launch(session, township, [village], budget=100, points=30)
    households = [make_household(session, village, f"户{i}") for i in range(WORKERS)]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    processes = [
        context.Process(target=_award, args=(db_url, campaign.id, h.id, barrier, results))
        for h in households
    ]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=30)

    assert sorted(outcomes) == ["paid"] * 3 + ["refused"] * 5, outcomes
    session.expire_all()
    assert session.get(Account, campaign.budget_account_id).balance == 10
    assert sum(session.get(Account, h.account_id).balance for h in households) == 90
    assert reconcile(session).ok
