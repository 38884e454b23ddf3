"""A small county for claims: two villages, grids, households, a user of each reviewing role, and a
catalogue with the kinds of rule a claim meets (per hour with photo, capped, trusted, deduction)."""

import io
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from PIL import Image

from incentives.auth.roles import Role
from incentives.claims import services
from incentives.places.models import Level, Person
from incentives.rules.models import CapPeriod, Category
from incentives.rules.services import publish_rule
from ledger.transaction import run_in_transaction
from tests.factories import make_household, make_region, make_user

# The clock the services are given: a fixed morning (08:00 in Shanghai). Tests move it forward.
NOW = datetime(2026, 11, 20, 0, 0)
TODAY = date(2026, 11, 20)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _photo_dir(tmp_path, monkeypatch):
    # Uploaded photos go to the test's own folder, never the instance folder of the checkout.
    monkeypatch.setenv("PHOTO_DIR", str(tmp_path / "photos"))


def act(session, service, *args, **kwargs):
    """Run one service in its own committed transaction, as a view or the CLI does."""
    return run_in_transaction(session, lambda: service(session, *args, **kwargs))


def jpeg(width=64, height=48, color=(200, 30, 40), fmt="JPEG", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format=fmt, **save)
    return out.getvalue()


@pytest.fixture
def world(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    v1 = make_region(session, "和平村", Level.VILLAGE, township)
    v2 = make_region(session, "东风社区", Level.VILLAGE, township)
    g1a = make_region(session, "第一网格", Level.GRID, v1)
    g1b = make_region(session, "第二网格", Level.GRID, v1)
    h1 = make_household(session, v1, "张建国", grid=g1a, members=["张明"])
    h1b = make_household(session, v1, "李秀英", grid=g1b)
    h2 = make_household(session, v2, "王志强")

    def head(household):
        return session.query(Person).filter_by(household_id=household.id, is_head=True).one()

    users = SimpleNamespace(
        villager=make_user(session, Role.VILLAGER, v1, person=head(h1)),
        neighbour=make_user(session, Role.VILLAGER, v1, person=head(h1b)),
        outsider=make_user(session, Role.VILLAGER, v2, person=head(h2)),
        grid_worker=make_user(session, Role.GRID_WORKER, g1a),
        other_grid_worker=make_user(session, Role.GRID_WORKER, g1b),
        committee=make_user(session, Role.VILLAGE_COMMITTEE, v1),
        other_committee=make_user(session, Role.VILLAGE_COMMITTEE, v2),
        township_admin=make_user(session, Role.TOWNSHIP_ADMIN, township),
        clerk=make_user(session, Role.CLERK, v1),
    )

    def publish(region, category, **values):
        return run_in_transaction(
            session, lambda: publish_rule(session, region, category, "county:test", **values)
        )

    rules = SimpleNamespace(
        river=publish(county, Category.VOLUNTEER, name="河道清理", points=5, per="hour",
                      evidence_required=True),
        wedding=publish(county, Category.VILLAGE_RULES, name="红白喜事简办", points=20,
                        per="occurrence", cap_period=CapPeriod.MONTH.value, cap_points=30),
        tidy=publish(county, Category.ENVIRONMENT, name="庭院整洁", points=3, per="occurrence",
                     approval_required=False),
        staff_only=publish(county, Category.FILIAL, name="照料独居老人", points=8, per="occurrence",
                           self_report=False),
        litter=publish(county, Category.VILLAGE_RULES, name="乱倒垃圾", points=-5, per="occurrence",
                       self_report=False),
        sweep=publish(county, Category.ENVIRONMENT, name="清扫公共区域", points=2, per="occurrence"),
        v2_only=publish(v2, Category.OTHER, name="东风社区义务巡逻", points=4, per="hour"),
    )
    return SimpleNamespace(
        regions=SimpleNamespace(county=county, township=township, v1=v1, v2=v2, g1a=g1a, g1b=g1b),
        households=SimpleNamespace(h1=h1, h1b=h1b, h2=h2),
        users=users,
        rules=rules,
    )


def report(session, world, rule=None, *, user=None, amount="1", photos=(), now=NOW, **kwargs):
    """The villager of H1 reports ``rule`` (the wedding rule: no photo needed) for yesterday."""
    return act(
        session, services.submit_claim, user or world.users.villager,
        rule_id=(rule or world.rules.wedding).id, amount=amount,
        done_on=kwargs.pop("done_on", TODAY - DAY), photos=photos, now=now, **kwargs,
    )
