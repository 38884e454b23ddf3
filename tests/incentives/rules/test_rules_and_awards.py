"""Versioned rules, village adjustments within limits, caps that cut visibly, awards once."""

from datetime import datetime

import pytest

from incentives.awards.services import grant_award
from incentives.places.models import Household, Level
from incentives.rules.models import Category, Per
from incentives.rules.services import (
    RuleError,
    adjust_for_village,
    catalogue_for,
    points_for,
    publish_rule,
    revise_rule,
    rule_in_force,
)
from ledger.models import Account, Entry
from ledger.transaction import run_in_transaction
from tests.factories import make_household, make_region


@pytest.fixture
def places(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    village = make_region(session, "和平村", Level.VILLAGE, township)
    other = make_region(session, "东风社区", Level.VILLAGE, township)
    return county, township, village, other


def tx(session, work):
    return run_in_transaction(session, work)


def publish(session, region, **values):
    defaults = dict(name="志愿服务", points=5, per=Per.HOUR.value, cap_period="month", cap_points=None,
                    evidence_required=False, approval_required=True, self_report=True,
                    village_min=None, village_max=None)
    return tx(session, lambda: publish_rule(session, region, Category.VOLUNTEER, "user:1",
                                            **(defaults | values)))


def award(session, household, version, quantity, source_id):
    return tx(session, lambda: grant_award(
        session, session.get(Household, household.id), version, quantity, source_type="test",
        source_id=source_id, actor="user:9", reason=version.name))


def balance(session, household):
    session.expire_all()
    return session.get(Account, household.account_id).balance


def test_points_are_exact_integers():
    class Version:
        per, points = Per.HOUR.value, 5
    assert points_for(Version, 90) == 7  # 1.5 hours of 5 per hour, rounded toward zero
    Version.points = -5
    assert points_for(Version, 90) == -7
    Version.per = Per.OCCURRENCE.value
    assert points_for(Version, 3) == -15


def test_revising_a_rule_never_changes_points_already_posted(session, places):
    county, _, village, _ = places
    household = make_household(session, village)
    rule = publish(session, county, per=Per.OCCURRENCE.value, points=10)
    first = award(session, household, rule.current, 1, 1)

    tx(session, lambda: revise_rule(session, rule, "user:1", points=20))
    session.refresh(rule)
    second = award(session, household, rule.current, 1, 2)

    assert [v.number for v in rule.versions] == [1, 2]
    assert (first.points, first.rule_version.number) == (10, 1)
    assert (second.points, second.rule_version.number) == (20, 2)
    assert balance(session, household) == 30
    entry = session.get(Entry, first.entry_id)
    assert (entry.ref_type, entry.ref_id, entry.amount) == ("award", str(first.id), 10)


def test_village_adjusts_within_the_range_the_county_allows(session, places):
    county, _, village, other = places
    rule = publish(session, county, village_min=3, village_max=8)
    with pytest.raises(RuleError):
        tx(session, lambda: adjust_for_village(session, rule, village, 9, "user:2"))
    adjusted = tx(session, lambda: adjust_for_village(session, rule, village, 7, "user:2"))

    assert rule_in_force(session, rule.id, village).current.points == 7
    assert rule_in_force(session, rule.id, other).current.points == 5
    assert [r.id for r in catalogue_for(session, village)] == [adjusted.id]


def test_a_rule_without_a_range_cannot_be_adjusted(session, places):
    county, _, village, _ = places
    rule = publish(session, county)
    with pytest.raises(RuleError):
        tx(session, lambda: adjust_for_village(session, rule, village, 5, "user:2"))


def test_village_sees_its_own_and_its_ancestors_rules_only(session, places):
    county, township, village, other = places
    publish(session, county, name="县级")
    publish(session, township, name="镇级")
    publish(session, village, name="本村")
    publish(session, other, name="别村")
    names = {r.current.name for r in catalogue_for(session, village)}
    assert names == {"县级", "镇级", "本村"}


@pytest.mark.parametrize("values", [dict(points=0), dict(name=""), dict(village_min=5, village_max=1),
                                    dict(cap_points=-1)])
def test_malformed_rules_are_refused(session, places, values):
    with pytest.raises(RuleError):
        publish(session, places[0], **values)


def test_cap_cuts_what_exceeds_it_and_the_cut_is_kept(session, places):
    county, _, village, _ = places
    household = make_household(session, village)
    rule = publish(session, county, points=5, cap_points=12)  # 5 per hour, 12 a month

    first = award(session, household, rule.current, 120, 1)  # 10 points
    second = award(session, household, rule.current, 120, 2)  # only 2 left under the cap
    third = award(session, household, rule.current, 60, 3)  # nothing left

    assert (first.points, first.cut) == (10, 0)
    assert (second.points, second.cut) == (2, 8)
    assert (third.points, third.cut, third.entry_id) == (0, 5, None)
    assert balance(session, household) == 12


def test_caps_count_by_period(session, places):
    from incentives.awards.services import period_start

    at = datetime(2026, 11, 23, 18, 30)
    assert period_start("month", at) == datetime(2026, 11, 1)
    assert period_start("year", at) == datetime(2026, 1, 1)
    assert period_start("none", at) is None


def test_a_deduction_takes_at_most_the_balance(session, places):
    county, _, village, _ = places
    household = make_household(session, village)
    earn = publish(session, county, per=Per.OCCURRENCE.value, points=8)
    fine = publish(session, county, name="乱倒垃圾", per=Per.OCCURRENCE.value, points=-10)
    award(session, household, earn.current, 1, 1)

    deduction = award(session, household, fine.current, 1, 2)

    assert (deduction.requested_points, deduction.points, deduction.cut) == (-10, -8, -2)
    assert balance(session, household) == 0


def test_an_award_is_granted_once_per_source(session, places):
    county, _, village, _ = places
    household = make_household(session, village)
    rule = publish(session, county, per=Per.OCCURRENCE.value, points=10)
    first = award(session, household, rule.current, 1, 7)
    again = award(session, household, rule.current, 1, 7)
    assert again.id == first.id
    assert balance(session, household) == 10
