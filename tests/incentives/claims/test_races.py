"""Races from separate processes, as gunicorn workers and the scheduled job would run them: two
reviewers pressing "approve" at once approve once, and posting jobs running side by side post
every claim exactly once."""

import traceback

import pytest
from sqlalchemy import func, select

from incentives.awards.models import Award
from incentives.claims import services
from ledger.balances import balance_of, reconcile
from tests.incentives.claims.conftest import DAY, NOW, act, report
from tests.races import race, worker_session

pytestmark = pytest.mark.slow

WORKERS = 4


def _approve(url, claim_id, user_id, barrier, results):
    """One reviewer's request: approve ``claim_id``; report "approved", "refused" or the error."""
    from incentives.auth.models import User
    from incentives.claims.errors import ClaimError
    from incentives.claims.services import approve_claim
    from ledger.transaction import run_in_transaction

    outcome = "error"
    try:
        with worker_session(url) as session:
            barrier.wait(timeout=60)
            try:
                run_in_transaction(session, lambda: approve_claim(
                    session, session.get(User, user_id), claim_id, now=NOW))
                outcome = "approved"
            except ClaimError as exc:
                outcome = "refused" if exc.status == 409 else f"error: {exc}"
    except Exception:
        outcome = "error: " + traceback.format_exc()
    finally:
        results.put(outcome)


def _post_due(url, barrier, results):
    """One run of the posting job; report how many claims it posted."""
    from incentives.claims.services import post_due_claims
    from ledger.transaction import run_in_transaction

    outcome = "error"
    try:
        with worker_session(url) as session:
            barrier.wait(timeout=60)
            outcome = run_in_transaction(
                session, lambda: len(post_due_claims(session, NOW + 8 * DAY, limit=3))
            )
            while outcome % 3 == 0 and outcome:  # a full batch: there may be more
                more = run_in_transaction(
                    session, lambda: len(post_due_claims(session, NOW + 8 * DAY, limit=3))
                )
                outcome += more
                if more < 3:
                    break
    except Exception:
        outcome = "error: " + traceback.format_exc()
    finally:
        results.put(outcome)


def _race(target, args_for) -> list:
    return race(target, [args_for(i) for i in range(WORKERS)])


def test_reviewers_racing_to_approve_approve_once(session, world, db_url):
    claim = report(session, world)
    reviewers = [world.users.committee.id, world.users.grid_worker.id]
    outcomes = _race(_approve, lambda i: (db_url, claim.id, reviewers[i % 2]))
    assert sorted(outcomes) == ["approved"] + ["refused"] * (WORKERS - 1), outcomes


def test_posting_jobs_racing_post_each_claim_once(session, world, db_url):
    claims = [report(session, world, world.rules.sweep, amount="2") for _ in range(7)]
    claims.append(report(session, world, user=world.users.neighbour))
    for claim in claims:
        act(session, services.approve_claim, world.users.committee, claim.id, now=NOW)

    outcomes = _race(_post_due, lambda i: (db_url,))
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert sum(outcomes) == len(claims)

    session.rollback()
    assert session.execute(select(func.count(Award.id))).scalar_one() == len(claims)
    assert balance_of(session, world.households.h1.account_id) == 7 * 4
    assert balance_of(session, world.households.h1b.account_id) == 20
    assert reconcile(session).ok
