"""A county with two townships and three villages, for campaign tests."""

import pytest

from incentives.places.models import Level
from tests.factories import make_region


@pytest.fixture
def county(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    v1 = make_region(session, "和平村", Level.VILLAGE, township)
    v2 = make_region(session, "东风社区", Level.VILLAGE, township)
    v3 = make_region(session, "石桥村", Level.VILLAGE, make_region(session, "石桥乡", Level.TOWNSHIP, county))
    return township, v1, v2, v3
