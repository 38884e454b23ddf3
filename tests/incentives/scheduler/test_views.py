"""The job runs page: township and county admins see runs, results and errors; nobody else."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from incentives.auth.roles import Role
from incentives.places.models import Level
from incentives.scheduler.registry import Registry
from incentives.scheduler.runs import run_due
from tests.factories import make_region, make_user

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def places(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    village = make_region(session, "和平村", Level.VILLAGE, township)
    return county, township, village


def test_admins_see_runs_and_errors(session, places, client, login_as):
    county, township, village = places
    registry = Registry()

    def broken(session, period, now):
        raise RuntimeError("找不到海报字体")

    registry.register("claims.post_due", "10min", lambda s, p, n: {"posted": 3})
    registry.register("publications.monthly", "month", broken, max_attempts=1)
    run_due(session, registry, datetime(2026, 11, 30, 16, 5), ZONE, owner="host:1")

    login_as(make_user(session, Role.TOWNSHIP_ADMIN, township))
    page = client.get("/admin/jobs/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "公示期满的申报入账" in html  # the registered job's title
    assert "2026-11-30T23:50" in html and "{&#34;posted&#34;: 3}" in html
    assert "RuntimeError: 找不到海报字体" in html and "多次失败，已停止" in html
    filtered = client.get("/admin/jobs/?job=claims.post_due").get_data(as_text=True)
    assert "找不到海报字体" not in filtered


@pytest.mark.parametrize("role", [None, Role.VILLAGE_COMMITTEE, Role.GRID_WORKER, Role.CLERK])
def test_others_get_404(session, places, client, login_as, role):
    county, township, village = places
    if role is not None:
        login_as(make_user(session, role, village))
        assert client.get("/admin/jobs/").status_code == 404
    else:
        assert client.get("/admin/jobs/").status_code == 302  # to the login page


def test_county_admin_sees_the_page(session, places, client, login_as):
    login_as(make_user(session, Role.COUNTY_ADMIN, places[0]))
    assert client.get("/admin/jobs/").status_code == 200
