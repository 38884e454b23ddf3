"""A township of two villages with a month of points: awards under rules of several categories,
volunteer hours, a deduction. Entries are stamped by the ledger with the real time, so the
period under test is the current month and the services are given a clock after its end."""

from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from incentives.auth.roles import Role
from incentives.awards.services import grant_award, grant_hours
from incentives.places.models import Level, Person
from incentives.rules.models import Category
from incentives.rules.services import publish_rule
from incentives.scheduler.periods import period_containing
from ledger.models import utcnow
from ledger.transaction import run_in_transaction
from tests.factories import make_household, make_region, make_user

ZONE = ZoneInfo("Asia/Shanghai")
_sources = iter(range(1, 10_000))


def act(session, service, *args, **kwargs):
    return run_in_transaction(session, lambda: service(session, *args, **kwargs))


def award(session, household, rule, quantity=1):
    return act(session, lambda s: grant_award(
        s, household, rule.current, quantity, source_type="test", source_id=next(_sources),
        actor="test", reason=rule.current.name))


def hours(session, person, minutes):
    return act(session, lambda s: grant_hours(s, person, minutes, key=f"hours-{next(_sources)}",
                                              actor="test", reason="志愿服务"))


def head_of(session, household):
    return session.query(Person).filter_by(household_id=household.id, is_head=True).one()


@pytest.fixture
def world(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    v1 = make_region(session, "和平村", Level.VILLAGE, township)
    v2 = make_region(session, "东风社区", Level.VILLAGE, township)
    other_township = make_region(session, "石桥乡", Level.TOWNSHIP, county)
    v3 = make_region(session, "石桥村", Level.VILLAGE, other_township)
    h = SimpleNamespace(
        zhang=make_household(session, v1, "张建国", members=["张明"]),
        li=make_household(session, v1, "李秀英"),
        wang=make_household(session, v1, "王志强"),
        zhao=make_household(session, v1, "赵德胜"),
        chen=make_household(session, v2, "陈红梅"),
        liu=make_household(session, v2, "刘永福"),
        sun=make_household(session, v3, "孙丽娟"),
    )

    def publish(category, name, points, per="occurrence"):
        return act(session, lambda s: publish_rule(s, county, category, "test", name=name, points=points,
                                                    per=per))

    rules = SimpleNamespace(
        volunteer=publish(Category.VOLUNTEER, "志愿服务", 5, "hour"),
        law=publish(Category.SAFE_FAMILY, "参加法治宣传", 5),
        mediate=publish(Category.SAFE_FAMILY, "调解邻里纠纷", 10),
        tidy=publish(Category.ENVIRONMENT, "庭院整洁", 3),
        gamble=publish(Category.SAFE_FAMILY, "参与赌博", -20),
    )
    # The month: 张 40 (+ law 5 = 45), 李 30 (mediate 10 + tidy... ), 王 deducted, 赵 nothing.
    award(session, h.zhang, rules.volunteer, 480)  # 8 hours: 40 points
    award(session, h.zhang, rules.law)  # 5: a safe family
    award(session, h.li, rules.mediate)  # 10: a safe family
    award(session, h.li, rules.tidy)  # 3
    award(session, h.wang, rules.mediate, 3)  # 30, but ...
    award(session, h.wang, rules.gamble)  # ... a deduction: not a safe family
    award(session, h.chen, rules.tidy)  # 3
    award(session, h.sun, rules.volunteer, 60)  # another township
    hours(session, head_of(session, h.zhang), 480)
    hours(session, session.query(Person).filter_by(household_id=h.zhang.id, is_head=False).one(), 120)
    hours(session, head_of(session, h.chen), 180)
    users = SimpleNamespace(
        committee=make_user(session, Role.VILLAGE_COMMITTEE, v1),
        other_committee=make_user(session, Role.VILLAGE_COMMITTEE, v2),
        township_admin=make_user(session, Role.TOWNSHIP_ADMIN, township),
        villager=make_user(session, Role.VILLAGER, v1, person=head_of(session, h.li)),
        grid_worker=make_user(session, Role.GRID_WORKER, v1),
    )
    period = period_containing("month", utcnow(), ZONE)
    return SimpleNamespace(
        regions=SimpleNamespace(county=county, township=township, v1=v1, v2=v2, other=other_township, v3=v3),
        households=h, rules=rules, users=users, period=period,
        after=period.end_utc + timedelta(minutes=5),  # the clock the services are given
    )
