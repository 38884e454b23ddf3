"""A village with six households and a five-member appraisal committee, each member living in
one of the first five households."""

from dataclasses import dataclass

import pytest

from incentives.appraisal.services import DEFAULT_CRITERIA, open_round
from incentives.auth.roles import Role
from incentives.places.models import Level
from ledger.models import utcnow
from ledger.transaction import run_in_transaction
from tests.factories import make_household, make_region, make_user


@dataclass
class Village:
    county: object
    township: object
    village: object
    households: list
    members: list


@pytest.fixture
def village(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    village = make_region(session, "和平村", Level.VILLAGE, township)
    households = [make_household(session, village, f"户主{i}") for i in range(6)]
    members = [
        make_user(session, Role.APPRAISER, village, person=households[i].members[0]) for i in range(5)
    ]
    return Village(county, township, village, households, members)


@pytest.fixture
def open_month(session, village):
    """The current month's round on the default criteria (20 each), top 2 get 50 points."""
    return run_in_transaction(session, lambda: open_round(
        session, village.village, "month", utcnow().date(), list(DEFAULT_CRITERIA),
        bonus_top=2, bonus_points=50, actor="test",
    ))
