"""A small county for events: two villages (one with two grids), households with and without
phones, the staff who organise and record, and a catalogue with a per-hour volunteer rule."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from incentives.auth.roles import Role
from incentives.events import services
from incentives.places.models import Level, Person
from incentives.rules.models import Category
from incentives.rules.services import publish_rule
from ledger.transaction import run_in_transaction
from tests.factories import make_household, make_region, make_user

# The clock the services are given: Saturday 08:00 in Shanghai. Tests move it forward.
NOW = datetime(2026, 11, 28, 0, 0)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def act(session, service, *args, **kwargs):
    """Run one service in its own committed transaction, as a view does."""
    return run_in_transaction(session, lambda: service(session, *args, **kwargs))


@pytest.fixture
def world(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    v1 = make_region(session, "和平村", Level.VILLAGE, township)
    v2 = make_region(session, "东风社区", Level.VILLAGE, township)
    g1a = make_region(session, "第一网格", Level.GRID, v1)
    g1b = make_region(session, "第二网格", Level.GRID, v1)
    h1 = make_household(session, v1, "张建国", grid=g1a, members=["张明", "张奶奶"])
    h1b = make_household(session, v1, "李秀英", grid=g1b)
    h2 = make_household(session, v2, "王志强")

    def people(household):
        return session.execute(
            select(Person).where(Person.household_id == household.id).order_by(Person.id)
        ).scalars().all()

    zhang, zhang_ming, grandma = people(h1)
    (li,) = people(h1b)
    (wang,) = people(h2)
    users = SimpleNamespace(
        villager=make_user(session, Role.VILLAGER, v1, person=zhang),
        son=make_user(session, Role.VILLAGER, v1, person=zhang_ming),
        neighbour=make_user(session, Role.VILLAGER, v1, person=li),
        outsider=make_user(session, Role.VILLAGER, v2, person=wang),
        organiser=make_user(session, Role.VILLAGE_COMMITTEE, v1),
        colleague=make_user(session, Role.VILLAGE_COMMITTEE, v1),
        other_committee=make_user(session, Role.VILLAGE_COMMITTEE, v2),
        grid_worker=make_user(session, Role.GRID_WORKER, g1a),
        youth_league=make_user(session, Role.YOUTH_LEAGUE, county),
        clerk=make_user(session, Role.CLERK, v1),
    )

    def publish(region, category, **values):
        return run_in_transaction(
            session, lambda: publish_rule(session, region, category, "county:test", **values)
        )

    rules = SimpleNamespace(
        volunteer=publish(county, Category.VOLUNTEER, name="志愿服务", points=6, per="hour"),
        tidy=publish(county, Category.ENVIRONMENT, name="庭院整洁", points=3, per="occurrence"),
        litter=publish(county, Category.VILLAGE_RULES, name="乱倒垃圾", points=-5, per="hour"),
        v2_patrol=publish(v2, Category.OTHER, name="东风社区义务巡逻", points=4, per="hour"),
    )
    return SimpleNamespace(
        regions=SimpleNamespace(county=county, township=township, v1=v1, v2=v2, g1a=g1a, g1b=g1b),
        households=SimpleNamespace(h1=h1, h1b=h1b, h2=h2),
        people=SimpleNamespace(zhang=zhang, zhang_ming=zhang_ming, grandma=grandma, li=li, wang=wang),
        users=users,
        rules=rules,
    )


def make_event(session, world, *, organiser=None, village=None, now=NOW, **details):
    """A river clean-up in 和平村 from 08:00 to 11:00 Shanghai time (00:00-03:00 UTC)."""
    values = dict(
        title="周六河道清理", place="村口河道", starts_at=NOW, ends_at=NOW + 3 * HOUR,
        rule_id=world.rules.volunteer.id, capacity=20,
    ) | details
    return act(
        session, services.create_event, (village or world.regions.v1).id,
        (organiser or world.users.organiser).id, now=now - HOUR, **values,
    )
