"""Many OS processes at many counters at once: a household is never overdrawn and the last
bags on the shelf are sold once, on SQLite and PostgreSQL.

Same pattern as ``tests/ledger/test_concurrency.py``: spawned processes, each with its own
engine, released together by a barrier before every checkout.
"""

import traceback

import pytest
from sqlalchemy import func, select

from ledger.balances import balance_of, reconcile
from ledger.chain import verify_chain
from ledger.transaction import run_in_transaction
from redeem.checkout import Buyer, checkout
from redeem.errors import InsufficientPoints, OutOfStock
from redeem.models import Checkout, Goods
from redeem.stock import reconcile_stock
from tests.races import race, worker_session
from tests.redeem.world import add_goods, make_world

pytestmark = pytest.mark.slow

WORKERS = 8
ROUNDS = 3
WAIT = 60


def _worker(url, name, supermarket_id, buyer, lines_of_round, shared_key, barrier, results):
    outcome = {"worker": name, "ids": [], "insufficient": 0, "out_of_stock": 0, "errors": []}
    try:
        with worker_session(url) as session:
            for n, lines in enumerate(lines_of_round):
                barrier.wait(timeout=WAIT)
                key = shared_key or f"w{name}-r{n}"
                try:
                    outcome["ids"].append(run_in_transaction(session, lambda k=key, ls=lines: checkout(
                        session, supermarket_id=supermarket_id, buyer=Buyer(*buyer), lines=ls, key=k,
                        actor=f"user:clerk{name}",
                    ).id))
                except InsufficientPoints:
                    outcome["insufficient"] += 1
                except OutOfStock:
                    outcome["out_of_stock"] += 1
                except Exception as exc:
                    outcome["errors"].append(repr(exc))
    except BaseException:
        outcome["errors"].append("worker crashed:\n" + traceback.format_exc())
    finally:
        results.put(outcome)


def run_counters(url, supermarket_id, buyer, lines_of_round, shared_key=None) -> list[dict]:
    outcomes = race(_worker, [(url, n, supermarket_id, buyer, lines_of_round, shared_key)
                              for n in range(WORKERS)], WAIT)
    assert {o["worker"]: o["errors"] for o in outcomes if o["errors"]} == {}
    return outcomes


def test_eight_counters_never_overdraw_one_household(session, db_url):
    # 100 points; each checkout costs 7 (a 7-point article, plenty in stock): 14 fit, 24 are tried.
    world = make_world(session, points=100)
    soap = add_goods(session, world.supermarket, "香皂", 7, "块", 500)
    h = world.household
    outcomes = run_counters(db_url, world.supermarket.id, (h.id, h.account_id, h.village_id),
                            [[(soap.id, 1)]] * ROUNDS)

    sold = sum(len(o["ids"]) for o in outcomes)
    assert sold == 100 // 7 == 14
    assert sum(o["insufficient"] for o in outcomes) == WORKERS * ROUNDS - sold
    session.rollback()
    assert balance_of(session, h.account_id) == 100 - 7 * sold == 2
    assert balance_of(session, world.supermarket.account_id) == 7 * sold
    assert session.get(Goods, soap.id).stock == 500 - sold
    assert session.execute(select(func.count(Checkout.id))).scalar_one() == sold
    assert reconcile_stock(session) == [] and reconcile(session).ok and verify_chain(session).ok


def test_eight_counters_sell_the_last_bags_once(session, db_url):
    # 5 bags left, a rich household, everyone wants 1 bag per round: exactly 5 are sold.
    world = make_world(session, points=10_000)
    rice = add_goods(session, world.supermarket, "大米", 40, "袋", 5)
    h = world.household
    outcomes = run_counters(db_url, world.supermarket.id, (h.id, h.account_id, h.village_id),
                            [[(rice.id, 1), (world.soap.id, 1)]] * ROUNDS)

    sold = sum(len(o["ids"]) for o in outcomes)
    assert sold == 5
    assert sum(o["out_of_stock"] for o in outcomes) == WORKERS * ROUNDS - 5
    session.rollback()
    assert session.get(Goods, rice.id).stock == 0
    assert session.get(Goods, world.soap.id).stock == 20 - 5  # sold only with the rice: all or nothing
    assert balance_of(session, h.account_id) == 10_000 - 5 * 50
    assert reconcile_stock(session) == [] and reconcile(session).ok and verify_chain(session).ok


def test_one_form_sent_from_eight_counters_posts_once(session, db_url):
    # A double-clicked, retried, re-sent form: the same key from every process, twice each.
    world = make_world(session, points=100)
    h = world.household
    outcomes = run_counters(db_url, world.supermarket.id, (h.id, h.account_id, h.village_id),
                            [[(world.soap.id, 3)]] * 2, shared_key="one-form")

    ids = {i for o in outcomes for i in o["ids"]}
    assert len(ids) == 1 and sum(len(o["ids"]) for o in outcomes) == 2 * WORKERS
    session.rollback()
    assert session.execute(select(func.count(Checkout.id))).scalar_one() == 1
    assert balance_of(session, h.account_id) == 70
    assert session.get(Goods, world.soap.id).stock == 17
    assert reconcile_stock(session) == [] and reconcile(session).ok
