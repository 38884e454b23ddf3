"""The committee's own entries: deductions (扣分) and bulk awards, both through the notice."""

import pytest
from sqlalchemy import func, select

from incentives.claims import services
from incentives.claims.errors import ClaimError
from incentives.claims.models import Claim, ClaimState
from ledger.balances import balance_of
from tests.incentives.claims.conftest import DAY, NOW, TODAY, act, report

END = NOW + 7 * DAY


def balance(session, household) -> int:
    session.expire_all()
    return balance_of(session, household.account_id)


def count_claims(session) -> int:
    return session.execute(select(func.count(Claim.id))).scalar_one()


def deduct(session, world, user=None, household=None, rule=None, reason="在河边乱倒垃圾", **kwargs):
    return act(
        session, services.enter_deduction, user or world.users.committee,
        household_id=(household or world.households.h1).id, rule_id=(rule or world.rules.litter).id,
        amount=kwargs.pop("amount", "1"), done_on=TODAY - DAY, reason=reason, now=NOW, **kwargs,
    )


def award(session, world, households, user=None, rule=None, **kwargs):
    return act(
        session, services.bulk_award, user or world.users.committee,
        village_id=kwargs.pop("village", world.regions.v1).id, rule_id=(rule or world.rules.sweep).id,
        household_ids=[h.id for h in households], amount=kwargs.pop("amount", "1"),
        done_on=TODAY, note="冬季大扫除", now=NOW, **kwargs,
    )


# -- deductions ----------------------------------------------------------------------------------


def test_a_deduction_stands_in_the_notice_then_takes_the_points(session, world):
    report(session, world, world.rules.tidy, amount="4")  # posts 12 at once
    claim = deduct(session, world, amount="2")

    assert claim.kind == "deduction" and claim.state == ClaimState.IN_NOTICE
    assert claim.points == -10 and claim.note == "在河边乱倒垃圾"
    assert claim.reviewed_by == f"user:{world.users.committee.id}"
    assert balance(session, world.households.h1) == 12  # not before the notice ends

    act(session, services.post_due_claims, END)
    session.refresh(claim)
    assert claim.state == ClaimState.POSTED
    assert (claim.award.points, claim.award.cut) == (-10, 0)
    assert balance(session, world.households.h1) == 2


def test_a_deduction_takes_at_most_the_balance_and_shows_the_rest(session, world):
    report(session, world, world.rules.tidy)  # 3 points
    claim = deduct(session, world)  # -5
    act(session, services.post_due_claims, END)
    session.refresh(claim)
    assert (claim.award.requested_points, claim.award.points, claim.award.cut) == (-5, -3, -2)
    assert balance(session, world.households.h1) == 0


def test_a_household_may_object_to_its_own_deduction(session, world):
    claim = deduct(session, world)
    act(session, services.lodge_objection, world.users.villager, claim.id, "那天我不在村里",
        now=NOW + DAY)
    act(session, services.withdraw_claim, world.users.committee, claim.id, "核实后撤销", now=NOW + 2 * DAY)
    assert act(session, services.post_due_claims, END) == []


@pytest.mark.parametrize("who", ["grid_worker", "other_committee", "villager", "township_admin"])
def test_only_the_villages_committee_deducts(session, world, who):
    with pytest.raises(ClaimError, match="只有本村村委可以录入扣分") as refused:
        deduct(session, world, getattr(world.users, who))
    assert refused.value.status == 403
    assert count_claims(session) == 0


def test_a_deduction_needs_a_deduction_rule_and_a_reason(session, world):
    with pytest.raises(ClaimError, match="请选择扣分细则"):
        deduct(session, world, rule=world.rules.sweep)
    with pytest.raises(ClaimError, match="请填写扣分理由"):
        deduct(session, world, reason="")
    with pytest.raises(ClaimError, match="找不到该住户") as missing:
        act(session, services.enter_deduction, world.users.committee, household_id=999999,
            rule_id=world.rules.litter.id, done_on=TODAY, reason="x", now=NOW)
    assert missing.value.status == 404
    assert count_claims(session) == 0


# -- bulk awards ---------------------------------------------------------------------------------


def test_a_bulk_award_gives_each_household_an_approved_claim(session, world):
    h1, h1b = world.households.h1, world.households.h1b
    claims = award(session, world, [h1b, h1, h1], amount="2")  # duplicates count once

    assert sorted(c.household_id for c in claims) == sorted([h1.id, h1b.id])
    assert {(c.kind, c.state, c.points, c.note) for c in claims} == {
        ("bulk", ClaimState.IN_NOTICE, 4, "冬季大扫除")
    }
    assert balance(session, h1) == 0 and balance(session, h1b) == 0

    posted = act(session, services.post_due_claims, END)
    assert len(posted) == 2
    assert balance(session, h1) == 4 and balance(session, h1b) == 4


def test_a_bulk_award_with_one_household_of_another_village_awards_nobody(session, world):
    with pytest.raises(ClaimError, match="所选住户中有不属于本村的，全部未奖励"):
        award(session, world, [world.households.h1, world.households.h2])
    with pytest.raises(ClaimError, match="所选住户中有不属于本村的"):
        act(session, services.bulk_award, world.users.committee, village_id=world.regions.v1.id,
            rule_id=world.rules.sweep.id, household_ids=[world.households.h1.id, 999999],
            done_on=TODAY, now=NOW)
    assert count_claims(session) == 0


def test_a_bulk_award_is_all_or_nothing_even_when_posting_fails_midway(session, world, monkeypatch):
    # Notice 0: each claim posts as it is made. The second posting breaks: the first is undone.
    act(session, services.set_notice_days, world.users.committee, world.regions.v1.id, 0, now=NOW)
    real_post = services._post
    calls = []

    def flaky_post(session_, claim, now):
        calls.append(claim.id)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        real_post(session_, claim, now)

    monkeypatch.setattr(services, "_post", flaky_post)
    with pytest.raises(RuntimeError):
        award(session, world, [world.households.h1, world.households.h1b])
    assert len(calls) == 2
    assert count_claims(session) == 0
    assert balance(session, world.households.h1) == 0


def test_a_bulk_award_needs_households_an_earning_rule_and_the_committee(session, world):
    with pytest.raises(ClaimError, match="请至少选择一户"):
        award(session, world, [])
    with pytest.raises(ClaimError, match="集体奖励只能用加分细则"):
        award(session, world, [world.households.h1], rule=world.rules.litter)
    with pytest.raises(ClaimError, match="住户选择有误"):
        act(session, services.bulk_award, world.users.committee, village_id=world.regions.v1.id,
            rule_id=world.rules.sweep.id, household_ids=[None], done_on=TODAY, now=NOW)
    for who in ("grid_worker", "other_committee", "villager"):
        with pytest.raises(ClaimError, match="只有本村村委可以集体奖励") as refused:
            award(session, world, [world.households.h1], user=getattr(world.users, who))
        assert refused.value.status == 403
    with pytest.raises(ClaimError, match="找不到该村"):
        award(session, world, [world.households.h1], village=world.regions.g1a)
    assert count_claims(session) == 0


def test_a_bulk_award_may_use_a_rule_villagers_cannot_report(session, world):
    claims = award(session, world, [world.households.h1], rule=world.rules.staff_only)
    assert claims[0].points == 8
