"""Many OS processes writing to one ledger at once: no overspending, no double posting.

Each worker is a separate process (``spawn``: nothing inherited but the arguments) with its own
engine, as gunicorn workers or a second machine would be. They wait at a barrier and then post
as fast as they can, so the database's locking is what keeps the ledger right.
"""

import traceback

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import (
    AccountKind,
    AlreadyReversed,
    EntryKind,
    InsufficientBalance,
    Posting,
    post,
    reverse,
)
from ledger.balances import computed_balance, reconcile
from ledger.chain import verify_chain
from ledger.models import Account, Entry
from ledger.transaction import configure_engine, run_in_transaction
from tests.factories import fund, make_account
from tests.races import race

pytestmark = pytest.mark.slow

WORKERS = 8
START_BALANCE = 100
PRICE = 7
ATTEMPTS = 10  # per worker: 80 attempts at 7 points against 100 points
WAIT = 60  # seconds: the longest any worker may take before the test gives up on it


# --- the workers: module-level functions, so a spawned process can import them ----------------


def _act(session: Session, action: Posting | tuple[int, str]) -> int:
    """Post a posting, or reverse ``(entry_id, key)``; return the entry id written or replayed."""
    if isinstance(action, Posting):
        return run_in_transaction(session, lambda: post(session, action).id)
    entry_id, key = action
    return run_in_transaction(
        session,
        lambda: reverse(session, entry_id, key=key, actor="user:committee", reason="重复登记").id,
    )


def _worker(url, name, actions, barrier, results):
    """Carry out ``actions`` one by one, each in step with every other worker; report the outcome.

    The barrier is passed before every posting, so each round is a race of all the workers
    (otherwise, on a small machine, the first process scheduled can finish before the others
    start).
    """
    outcome = {"worker": name, "ids": [], "insufficient": 0, "already_reversed": 0, "errors": []}
    engine = configure_engine(sa.create_engine(url))
    try:
        with Session(engine) as session:
            session.execute(select(1))  # connect before the race, not during it
            session.rollback()
            for action in actions:
                barrier.wait(timeout=WAIT)
                try:
                    outcome["ids"].append(_act(session, action))
                except InsufficientBalance:
                    outcome["insufficient"] += 1
                except AlreadyReversed:
                    outcome["already_reversed"] += 1
                except Exception as exc:  # anything else is a failure the test reports
                    outcome["errors"].append(f"{action!r}: {exc!r}")
    except BaseException:
        outcome["errors"].append("worker crashed:\n" + traceback.format_exc())
    finally:
        engine.dispose()
        results.put(outcome)


def run_workers(url: str, actions_of_worker: list[list]) -> list[dict]:
    """Start one process per list of actions, let them go at once, collect their outcomes."""
    outcomes = race(_worker, [(url, n, actions) for n, actions in enumerate(actions_of_worker)], WAIT)
    return sorted(outcomes, key=lambda o: o["worker"])


def redemption(key: str, household, shop, amount: int = PRICE) -> Posting:
    return Posting(
        key=key,
        from_account_id=household.id,
        to_account_id=shop.id,
        amount=amount,
        kind=EntryKind.REDEEM,
        actor="user:cashier",
        reason="兑换 洗衣粉",
        ref_type="redemption",
        ref_id=key,
    )


def balance(session: Session, account) -> int:
    session.rollback()
    return session.execute(select(Account.balance).where(Account.id == account.id)).scalar_one()


@pytest.fixture
def household_and_shop(session):
    household = make_account(session)
    shop = make_account(session, AccountKind.SUPERMARKET)
    fund(session, household, START_BALANCE)
    session.rollback()
    return household, shop


def test_concurrent_spending_never_overdraws(session, db_url, household_and_shop):
    household, shop = household_and_shop
    postings = [
        [redemption(f"spend-{w}-{n}", household, shop) for n in range(ATTEMPTS)]
        for w in range(WORKERS)
    ]

    outcomes = run_workers(db_url, postings)

    errors = {o["worker"]: o["errors"] for o in outcomes if o["errors"]}
    assert errors == {}
    for o in outcomes:
        assert len(o["ids"]) + o["insufficient"] == ATTEMPTS, o
    successes = sum(len(o["ids"]) for o in outcomes)
    spent = PRICE * successes
    # Every spend the balance allowed went through, and not one more.
    assert spent <= START_BALANCE
    assert successes == START_BALANCE // PRICE == 14
    ids = sorted(i for o in outcomes for i in o["ids"])
    assert len(set(ids)) == successes  # no two workers were told they wrote the same entry

    assert balance(session, household) == START_BALANCE - spent == 2
    assert computed_balance(session, household.id) == START_BALANCE - spent
    assert balance(session, shop) == spent
    written = session.execute(
        select(func.count(), func.sum(Entry.amount)).where(Entry.from_account_id == household.id)
    ).one()
    assert tuple(written) == (successes, spent)
    assert reconcile(session).ok
    report = verify_chain(session)
    assert report.ok, report
    assert report.count == 1 + successes  # the funding entry and the spends
    assert ids == list(range(2, 2 + successes))  # gapless, in chain order


def test_concurrent_replays_of_one_key_write_one_entry(session, db_url, household_and_shop):
    household, shop = household_and_shop
    same = redemption("redemption-42", household, shop)
    # Every worker sends the same posting three times: a double-clicked, retried, re-sent form.
    outcomes = run_workers(db_url, [[same] * 3 for _ in range(WORKERS)])

    errors = {o["worker"]: o["errors"] for o in outcomes if o["errors"]}
    assert errors == {}
    ids = [i for o in outcomes for i in o["ids"]]
    assert len(ids) == 3 * WORKERS
    assert len(set(ids)) == 1  # every process was given the same entry

    session.rollback()
    written = session.execute(
        select(Entry.id).where(Entry.idempotency_key == same.key)
    ).scalars().all()
    assert written == [ids[0]]
    assert balance(session, household) == START_BALANCE - PRICE
    assert balance(session, shop) == PRICE
    assert reconcile(session).ok
    report = verify_chain(session)
    assert report.ok and report.count == 2, report


# The one refusal PostgreSQL gives instead of AlreadyReversed (see the test below).


def test_concurrent_reversals_of_one_entry_write_one_reversal(session, db_url, household_and_shop):
    household, _ = household_and_shop
    rounds = 3
    entries = [fund(session, household, 10).id for _ in range(rounds)]
    session.rollback()
    # In each round every worker tries to reverse the same entry, each with its own key.
    outcomes = run_workers(
        db_url, [[(e, f"reverse-{e}-by-{w}") for e in entries] for w in range(WORKERS)]
    )

    # Whatever the refusals, each entry was reversed exactly once, by one of the workers.
    reversals = dict(
        session.execute(
            select(Entry.reverses_id, func.count()).where(Entry.reverses_id.in_(entries))
            .group_by(Entry.reverses_id)
        ).all()
    )
    assert reversals == dict.fromkeys(entries, 1)
    ids = [i for o in outcomes for i in o["ids"]]
    assert len(ids) == len(set(ids)) == rounds
    assert balance(session, household) == START_BALANCE
    assert reconcile(session).ok
    report = verify_chain(session)
    assert report.ok and report.count == 1 + 2 * rounds, report

    errors = [e for o in outcomes for e in o["errors"]]
    for o in outcomes:
        assert len(o["ids"]) + o["already_reversed"] + len(o["errors"]) == rounds, o
    # reverse() takes the chain lock before looking for an earlier reversal, so a racing second
    # reversal sees the first and gets AlreadyReversed, on both databases.
    assert errors == []
