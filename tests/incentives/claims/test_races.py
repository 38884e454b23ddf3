"""Races from separate processes, as gunicorn workers and the scheduled job would run them: two
reviewers pressing "approve" at once approve once, and posting jobs running side by side post
every claim exactly once."""

import multiprocessing
import traceback

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incentives.awards.models import Award
from incentives.claims import services
from ledger.balances import balance_of, reconcile
from tests.incentives.claims.conftest import DAY, NOW, act, report

pytestmark = pytest.mark.slow

WORKERS = 4


def _approve(url, claim_id, user_id, barrier, results):
    """One reviewer's request: approve ``claim_id``; report "approved", "refused" or the error."""
    import incentives.models  # noqa: F401  every mapper, as the app has them
    from incentives.auth.models import User
    from incentives.claims.errors import ClaimError
    from incentives.claims.services import approve_claim
    from ledger.transaction import configure_engine, run_in_transaction

    engine = configure_engine(sa.create_engine(url))
    outcome = "error"
    try:
        with Session(engine) as session:
            session.execute(select(1))
            session.rollback()
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
        engine.dispose()
        results.put(outcome)


def _post_due(url, barrier, results):
    """One run of the posting job; report how many claims it posted."""
    import incentives.models  # noqa: F401
    from incentives.claims.services import post_due_claims
    from ledger.transaction import configure_engine, run_in_transaction

    engine = configure_engine(sa.create_engine(url))
    outcome = "error"
    try:
        with Session(engine) as session:
            session.execute(select(1))
            session.rollback()
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
        engine.dispose()
        results.put(outcome)


def _race(target, args_for) -> list:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [context.Process(target=target, args=(*args_for(i), barrier, results)) for i in range(WORKERS)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    return outcomes


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
