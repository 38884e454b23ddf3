"""Identifying the household at the counter from what the clerk scanned or typed."""

import time

import pytest

from incentives.counter.identify import MemberCodeInvalid, identify_household
from redeem.members import member_token
from tests.redeem.world import make_world

SECRET = "counter-secret"


def test_a_current_member_code_names_its_household(session):
    world = make_world(session, points=0)
    now = time.time()
    token = member_token(SECRET, world.household.id, now)
    assert identify_household(session, f"  {token}\n", secret=SECRET, now=now).id == world.household.id


@pytest.mark.parametrize("age_seconds", [180, -120])
def test_an_old_or_future_code_is_refused(session, age_seconds):
    world = make_world(session, points=0)
    now = time.time()
    token = member_token(SECRET, world.household.id, now - age_seconds)
    with pytest.raises(MemberCodeInvalid):
        identify_household(session, token, secret=SECRET, now=now)


@pytest.mark.parametrize("code", ["", "12345", "M", None, "x" * 5000])
def test_junk_is_refused(session, code):
    with pytest.raises(MemberCodeInvalid):
        identify_household(session, code, secret=SECRET)


def test_a_code_for_a_household_that_does_not_exist_is_refused(session):
    with pytest.raises(MemberCodeInvalid):
        identify_household(session, member_token(SECRET, 987654), secret=SECRET)
    with pytest.raises(MemberCodeInvalid):
        identify_household(session, member_token("another-secret", 1), secret=SECRET)
