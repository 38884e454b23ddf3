"""A township with two villages, a funded village pool and the people who use credits and cards."""

from types import SimpleNamespace

import pytest

from incentives.auth.roles import Role
from incentives.credits.services import fund_village_pool
from incentives.places.models import Level, Region
from ledger.transaction import run_in_transaction
from tests.factories import make_household, make_region, make_user


@pytest.fixture
def place(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    village = make_region(session, "和平村", Level.VILLAGE, township)
    other = make_region(session, "石桥村", Level.VILLAGE, township)
    pool = run_in_transaction(session, lambda: fund_village_pool(
        session, session.get(Region, village.id), 1000, sponsor="县财政", actor="test", key="pool-1"))
    # Not a 139... number: make_user() numbers its users 139<sequence>, which would reach this one.
    household = make_household(session, village, "刘桂兰", phone="13700000101")
    villager = make_user(session, person=household.members[0], phone="13700000101")
    return SimpleNamespace(
        county=county, township=township, village=village, other=other, pool=pool,
        household=household, villager=villager,
        committee=make_user(session, Role.VILLAGE_COMMITTEE, village),
        other_committee=make_user(session, Role.VILLAGE_COMMITTEE, other),
        clerk=make_user(session, Role.CLERK, village),
    )
