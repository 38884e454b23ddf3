"""Separate OS processes racing for one credit: it is used exactly once, and an expired batch is
returned to its budget exactly once, on SQLite and PostgreSQL (the pattern of
``tests/ledger/test_concurrency.py``)."""

import traceback
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from incentives.places.models import Level
from ledger import AccountKind, Entry
from ledger.balances import reconcile
from ledger.chain import verify_chain
from ledger.models import Account
from ledger.transaction import run_in_transaction
from redeem.card_models import CardAttempt
from redeem.cards import MAX_PIN_FAILURES, CardError, identify_by_card, issue_card
from redeem.credit_models import Credit
from redeem.credits import CreditError, expire_due_credits, issue_batch, redeem_credit
from tests.factories import fund, make_account, make_household, make_region
from tests.races import race, worker_session

pytestmark = pytest.mark.slow

WORKERS = 8
WAIT = 60
NOW = datetime(2026, 11, 29, 2, 0)
EXPIRES_AT = datetime(2026, 12, 31, 16, 0)


def _worker(url, name, action, barrier, results):
    """Wait for every worker, then do ``action`` once; report success or the refusal's code."""
    outcome = {"worker": name, "ok": 0, "refused": [], "errors": []}
    try:
        with worker_session(url) as session:
            kind, args = action
            barrier.wait(timeout=WAIT)
            try:
                if kind == "guess":
                    identify_by_card(session, args, "0000", actor=f"user:clerk-{name}", now=NOW)
                    outcome["ok"] += 1
                elif kind == "redeem":
                    code, account_id = args
                    run_in_transaction(session, lambda: redeem_credit(
                        session, code, account_id, f"user:clerk-{name}", NOW))
                    outcome["ok"] += 1
                else:
                    settled = run_in_transaction(session, lambda: expire_due_credits(session, args))
                    outcome["ok"] += len(settled)
            except (CreditError, CardError) as exc:
                outcome["refused"].append(exc.code)
            except Exception as exc:
                outcome["errors"].append(repr(exc))
    except BaseException:
        outcome["errors"].append("worker crashed:\n" + traceback.format_exc())
    finally:
        results.put(outcome)


def run_workers(url: str, actions: list) -> list[dict]:
    return race(_worker, [(url, n, action) for n, action in enumerate(actions)], WAIT)


@pytest.fixture
def batch(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    village = make_region(session, "和平村", Level.VILLAGE, township)
    budget = make_account(session, AccountKind.BUDGET)
    fund(session, budget, 1000)
    households = [make_household(session, village, f"户{n}") for n in range(WORKERS)]
    issued = run_in_transaction(session, lambda: issue_batch(
        session, budget_account_id=budget.id, region_id=village.id, village_ids=[village.id],
        name="并发测试", points=50, count=3, expires_on=date(2026, 12, 31), expires_at=EXPIRES_AT,
        actor="test", now=NOW))
    session.rollback()
    return issued, budget, households


def balance_of(session, account_id):
    return session.execute(select(Account.balance).where(Account.id == account_id)).scalar_one()


def test_one_credit_scanned_at_eight_counters_at_once_is_used_once(session, db_url, batch):
    issued, budget, households = batch
    code = session.execute(
        select(Credit.code).where(Credit.batch_id == issued.id).order_by(Credit.id)
    ).scalars().first()

    outcomes = run_workers(db_url, [("redeem", (code, h.account_id)) for h in households])

    assert [e for o in outcomes for e in o["errors"]] == []
    assert sum(o["ok"] for o in outcomes) == 1
    assert sorted(c for o in outcomes for c in o["refused"]) == ["credit_used"] * (WORKERS - 1)
    session.rollback()
    assert sum(balance_of(session, h.account_id) for h in households) == 50
    assert balance_of(session, issued.escrow_account_id) == 100
    uses = session.execute(select(func.count()).where(Entry.ref_type == "credit")).scalar_one()
    assert uses == 1
    assert reconcile(session).ok and verify_chain(session).ok


def test_eight_expiry_jobs_at_once_return_the_batch_once(session, db_url, batch):
    issued, budget, _ = batch

    outcomes = run_workers(db_url, [("expire", EXPIRES_AT + timedelta(hours=1))] * WORKERS)

    assert [e for o in outcomes for e in o["errors"]] == []
    assert sum(o["ok"] for o in outcomes) == 1  # one worker settled the batch, the others nothing
    session.rollback()
    assert balance_of(session, budget.id) == 1000
    assert balance_of(session, issued.escrow_account_id) == 0
    returned = session.execute(select(Entry.amount).where(Entry.kind == "expire")).scalars().all()
    assert returned == [150]
    assert reconcile(session).ok and verify_chain(session).ok


def test_eight_counters_guessing_one_pin_at_once_get_five_tries_in_all(session, db_url, batch):
    _, _, households = batch
    card = run_in_transaction(session, lambda: issue_card(session, households[0].id, "2580", "test", NOW))
    session.rollback()

    outcomes = run_workers(db_url, [("guess", card.number)] * WORKERS)

    assert [e for o in outcomes for e in o["errors"]] == []
    refused = sorted(c for o in outcomes for c in o["refused"])
    # Four wrong PINs, the fifth locks the card; the three who came after find it locked.
    assert refused == ["card_locked"] * 4 + ["card_wrong_pin"] * 4
    session.rollback()
    failures = session.execute(
        select(func.count(CardAttempt.id)).where(CardAttempt.card_id == card.id)
    ).scalar_one()
    assert failures == MAX_PIN_FAILURES
