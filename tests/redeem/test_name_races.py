"""Separate OS processes adding the same donor, goods or supermarket at once: one row, and every
other process gets the row or a clear refusal, never a database error (the pattern of
``tests/redeem/test_credit_concurrency.py``)."""

import multiprocessing

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.transaction import configure_engine, run_in_transaction
from redeem.errors import RedeemError
from redeem.goods import create_goods
from redeem.models import Donor, DonorKind, Goods, Supermarket
from redeem.stock import find_or_add_donor
from redeem.supermarkets import create_supermarket
from tests.redeem.world import make_world

pytestmark = pytest.mark.slow

WORKERS = 6
WAIT = 60


def _add(session, kind, args):
    if kind == "donor":
        return find_or_add_donor(session, args, "县供电公司驻村工作队", DonorKind.AID_UNIT).id
    if kind == "goods":
        return create_goods(session, args, name="酱油", price=8, unit="瓶").id
    region_id, village_id = args
    return create_supermarket(session, region_id, "石桥村爱心超市", [village_id]).id


def _worker(url, name, action, barrier, results):
    outcome = {"worker": name, "ok": 0, "ids": [], "refused": [], "errors": []}
    engine = configure_engine(sa.create_engine(url))
    try:
        with Session(engine) as session:
            session.execute(select(1))
            session.rollback()
            kind, args = action
            barrier.wait(timeout=WAIT)
            try:
                outcome["ids"].append(run_in_transaction(session, lambda: _add(session, kind, args)))
                outcome["ok"] += 1
            except RedeemError as exc:
                outcome["refused"].append(exc.code)
            except Exception as exc:
                outcome["errors"].append(repr(exc))
    finally:
        engine.dispose()
        results.put(outcome)


def race(db_url, action):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    processes = [ctx.Process(target=_worker, args=(db_url, n, action, barrier, results), daemon=True)
                 for n in range(WORKERS)]
    for process in processes:
        process.start()
    try:
        return [results.get(timeout=WAIT) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()


@pytest.fixture
def world(session):
    made = make_world(session, points=0)
    session.rollback()
    return made


def test_the_same_new_donor_added_at_once_is_one_donor(session, db_url, world):
    outcomes = race(db_url, ("donor", world.supermarket.id))
    assert [e for o in outcomes for e in o["errors"] + o["refused"]] == []
    assert len({i for o in outcomes for i in o["ids"]}) == 1 and sum(o["ok"] for o in outcomes) == WORKERS
    session.rollback()
    donors = select(func.count(Donor.id)).where(Donor.name == "县供电公司驻村工作队")
    assert session.execute(donors).scalar_one() == 1


def test_the_same_goods_added_at_once_is_added_once(session, db_url, world):
    outcomes = race(db_url, ("goods", world.supermarket.id))
    assert [e for o in outcomes for e in o["errors"]] == []
    assert sum(o["ok"] for o in outcomes) == 1
    assert sorted(c for o in outcomes for c in o["refused"]) == ["duplicate_name"] * (WORKERS - 1)
    session.rollback()
    assert session.execute(select(func.count(Goods.id)).where(Goods.name == "酱油")).scalar_one() == 1


def test_the_same_supermarket_opened_at_once_is_opened_once(session, db_url, world):
    place = (world.other_village.id, world.other_village.id)
    outcomes = race(db_url, ("supermarket", place))
    assert [e for o in outcomes for e in o["errors"]] == []
    assert sum(o["ok"] for o in outcomes) == 1
    assert sorted(c for o in outcomes for c in o["refused"]) == ["duplicate_name"] * (WORKERS - 1)
    session.rollback()
    assert session.execute(select(func.count(Supermarket.id))).scalar_one() == 2
