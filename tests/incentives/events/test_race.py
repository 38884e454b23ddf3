"""Hundreds of volunteers scan at once. From separate processes (as separate web workers would
be), racing scans fill exactly the capacity, and one person's simultaneous scans check them in
once. Every refusal is a clean 409, never an error."""

import traceback

import pytest
from sqlalchemy import func, select

from incentives.auth.roles import Role
from incentives.events.models import Attendance
from tests.factories import make_household, make_user
from tests.incentives.events.conftest import NOW, make_event
from tests.races import race, worker_session

pytestmark = pytest.mark.slow

WORKERS = 6


def _scan(url, rounds, barrier, results):
    """Scan as each ``(event_id, user_id)`` of ``rounds`` in turn, every round in step with the
    other workers; report the outcomes as a list of ``(round, outcome)``."""
    from incentives.events.errors import EventError
    from incentives.events.services import scan_event_code
    from ledger.transaction import run_in_transaction

    outcomes = []
    try:
        with worker_session(url) as session:
            for number, (event_id, user_id) in enumerate(rounds):
                barrier.wait(timeout=60)
                try:
                    run_in_transaction(session, lambda e=event_id, u=user_id: scan_event_code(
                        session, e, u, printed=False, now=NOW))
                    outcomes.append((number, "in"))
                except EventError as exc:
                    outcomes.append((number, f"{exc.status} {exc.message}"))
    except Exception:
        outcomes.append((-1, "error: " + traceback.format_exc()))
    finally:
        results.put(outcomes)


def attendances(session, event) -> int:
    session.rollback()  # end any read snapshot taken before the race
    return session.execute(
        select(func.count(Attendance.id)).where(Attendance.event_id == event.id)
    ).scalar_one()


def test_racing_scans_fill_the_capacity_and_check_one_person_in_once(db_url, session, world):
    small = make_event(session, world, capacity=3)
    large = make_event(session, world, title="重阳节敬老活动")
    volunteers = []
    for i in range(WORKERS):
        household = make_household(session, world.regions.v1, f"志愿者{i}")
        volunteers.append(make_user(session, Role.VILLAGER, world.regions.v1,
                                    person=household.members[0]).id)
    # Round 0: six volunteers race for three places. Round 1: one villager's six scans at once.
    rounds = [[(small.id, volunteer), (large.id, world.users.villager.id)] for volunteer in volunteers]

    outcomes = [o for worker in race(_scan, [(db_url, r) for r in rounds]) for o in worker]

    first = sorted(o for n, o in outcomes if n == 0)
    second = sorted(o for n, o in outcomes if n == 1)
    assert first == ["409 名额已满（3 人），不能再签到"] * 3 + ["in"] * 3, outcomes
    assert second.count("in") == 1 and all(o.startswith("409 已签到") for o in second if o != "in"), \
        outcomes
    assert attendances(session, small) == 3 and attendances(session, large) == 1
