"""A villager reports, a reviewer approves or rejects: every transition, the illegal ones too, and
everything a report can get wrong. A refusal writes nothing."""

from unittest.mock import patch

import pytest
from sqlalchemy import func, select

from incentives.auth.roles import Role
from incentives.awards.models import Award
from incentives.claims import queries, services
from incentives.claims.errors import ClaimError
from incentives.claims.models import Claim, ClaimState
from incentives.claims.photos import StoredPhoto
from incentives.places.models import Person
from incentives.rules.services import RuleError, revise_rule
from ledger.balances import balance_of
from ledger.transaction import run_in_transaction
from tests.factories import make_user
from tests.incentives.claims.conftest import DAY, NOW, TODAY, act, report

PHOTO = StoredPhoto("a" * 64, 800, 600, 12345)


def count_claims(session) -> int:
    return session.execute(select(func.count(Claim.id))).scalar_one()


def balance(session, household) -> int:
    session.expire_all()
    return balance_of(session, household.account_id)


def approve(session, world, claim, user=None, now=NOW):
    return act(session, services.approve_claim, user or world.users.committee, claim.id, now=now)


def test_a_report_waits_for_review_under_the_version_in_force(session, world):
    claim = report(session, world, note="  女儿出嫁，不收彩礼  ")

    assert claim.state == ClaimState.SUBMITTED
    assert claim.kind == "report"
    assert claim.household_id == world.households.h1.id
    assert claim.rule_version_id == world.rules.wedding.current.id
    assert (claim.quantity, claim.points) == (1, 20)
    assert claim.note == "女儿出嫁，不收彩礼"
    assert claim.submitted_by == f"user:{world.users.villager.id}"
    assert balance(session, world.households.h1) == 0  # nothing unapproved is ever counted


def test_hours_are_entered_with_one_decimal_and_stored_as_minutes(session, world):
    claim = report(session, world, world.rules.river, amount="1.5", photos=[PHOTO])
    assert claim.quantity == 90
    assert claim.points == 7  # 5 a hour, part hours pro rata, rounded toward zero
    assert [p.sha256 for p in claim.photos] == [PHOTO.sha256]


@pytest.mark.parametrize(
    ("rule", "amount", "message"),
    [
        ("river", "abc", "数量请填写数字"),
        ("river", "NaN", "数量请填写数字"),
        ("river", "0", "小时数须在 0.1 到 24 之间"),
        ("river", "24.5", "小时数须在 0.1 到 24 之间"),
        ("river", "1.25", "小时数最多填一位小数"),
        ("river", "0.1", "数量太少，不够 1 分"),
        ("wedding", "1.5", "次数须是 1 到 100 之间的整数"),
        ("wedding", "0", "次数须是 1 到 100 之间的整数"),
        ("wedding", "1e9", "次数须是 1 到 100 之间的整数"),
        ("wedding", "", "数量请填写数字"),
    ],
)
def test_bad_quantities_are_refused(session, world, rule, amount, message):
    with pytest.raises(ClaimError) as refused:
        report(session, world, getattr(world.rules, rule), amount=amount, photos=[PHOTO])
    assert message in str(refused.value)
    assert refused.value.status == 400
    assert count_claims(session) == 0


@pytest.mark.parametrize(
    ("done_on", "message"),
    [
        (TODAY + DAY, "日期不能晚于今天"),
        (TODAY - 61 * DAY, "只能申报 60 天以内的事项"),
    ],
)
def test_dates_in_the_future_or_long_past_are_refused(session, world, done_on, message):
    with pytest.raises(ClaimError, match=message):
        report(session, world, done_on=done_on)
    assert count_claims(session) == 0


def test_today_is_the_villagers_date_not_utcs(session, world):
    # 20:00 UTC on the 20th is already 04:00 on the 21st in the village.
    late = NOW.replace(hour=20)
    assert report(session, world, done_on=TODAY + DAY, now=late).state == ClaimState.SUBMITTED
    assert report(session, world, done_on=TODAY - 60 * DAY).state == ClaimState.SUBMITTED


def test_rules_that_cannot_be_self_reported_are_refused(session, world):
    with pytest.raises(ClaimError, match="这一项不能自己申报"):
        report(session, world, world.rules.staff_only)
    with pytest.raises(ClaimError, match="这一项不能自己申报"):
        report(session, world, world.rules.litter)  # a deduction, never self-reported
    with pytest.raises(RuleError, match="这条细则在本村不适用") as other_village:
        report(session, world, world.rules.v2_only)
    assert other_village.value.status == 404
    assert count_claims(session) == 0


def test_evidence_rules_need_a_photo_and_at_most_six(session, world):
    with pytest.raises(ClaimError, match="需要上传照片"):
        report(session, world, world.rules.river)
    many = [StoredPhoto(f"{i:064x}", 10, 10, 10) for i in range(7)]
    with pytest.raises(ClaimError, match="最多上传 6 张照片"):
        report(session, world, world.rules.river, photos=many)
    # The same picture twice is one photo of the claim.
    claim = report(session, world, world.rules.river, photos=[PHOTO, PHOTO])
    assert len(claim.photos) == 1


def test_notes_are_cleaned_and_limited(session, world):
    with pytest.raises(ClaimError, match="说明最多 500 字"):
        report(session, world, note="好" * 501)
    claim = report(session, world, note="扫\x00地\x07\n门前")
    assert claim.note == "扫地\n门前"  # PostgreSQL would refuse the NUL with a 500


def test_only_a_person_of_a_household_can_report(session, world):
    with pytest.raises(ClaimError, match="还没有关联到住户") as refused:
        report(session, world, user=world.users.committee)
    assert refused.value.status == 403


def test_a_rule_without_approval_posts_on_submission(session, world):
    claim = report(session, world, world.rules.tidy, amount="2")
    assert claim.state == ClaimState.POSTED
    assert claim.award.points == 6
    assert claim.award.source_type == "claim" and claim.award.source_id == claim.id
    assert claim.award.actor == f"user:{world.users.villager.id}"
    assert balance(session, world.households.h1) == 6


@pytest.mark.parametrize("reviewer", ["grid_worker", "committee"])
def test_the_households_reviewers_approve_into_the_notice(session, world, reviewer):
    claim = report(session, world)
    approved = approve(session, world, claim, getattr(world.users, reviewer))
    assert approved.state == ClaimState.IN_NOTICE
    assert approved.notice_ends_at == NOW + 7 * DAY  # the default notice
    assert approved.reviewed_by == f"user:{getattr(world.users, reviewer).id}"
    assert balance(session, world.households.h1) == 0  # in notice is not on the ledger


@pytest.mark.parametrize(
    "outsider",
    ["villager", "neighbour", "outsider", "other_grid_worker", "other_committee", "township_admin", "clerk"],
)
def test_nobody_else_may_review(session, world, outsider):
    claim = report(session, world)
    user = getattr(world.users, outsider)
    with pytest.raises(ClaimError, match="您没有审核这户申报的权限") as refused:
        approve(session, world, claim, user)
    assert refused.value.status == 403
    with pytest.raises(ClaimError, match="您没有审核这户申报的权限"):
        act(session, services.reject_claim, user, claim.id, "不行", now=NOW)
    session.refresh(claim)
    assert claim.state == ClaimState.SUBMITTED and claim.reviewed_by is None


def test_a_reviewer_never_reviews_their_own_household(session, world):
    son = session.execute(
        select(Person).where(Person.household_id == world.households.h1.id, Person.name == "张明")
    ).scalar_one()
    committee_son = make_user(session, Role.VILLAGE_COMMITTEE, world.regions.v1, person=son)
    claim = report(session, world)
    with pytest.raises(ClaimError, match="不能审核自己家的申报"):
        approve(session, world, claim, committee_son)


def test_approving_twice_is_refused(session, world):
    claim = report(session, world)
    approve(session, world, claim)
    with pytest.raises(ClaimError, match="已经审核过（公示中），不能重复审核") as refused:
        approve(session, world, claim, world.users.grid_worker)
    assert refused.value.status == 409


def test_a_rejected_report_stays_rejected(session, world):
    claim = report(session, world)
    with pytest.raises(ClaimError, match="请填写不通过的理由"):
        act(session, services.reject_claim, world.users.committee, claim.id, "   ", now=NOW)
    rejected = act(session, services.reject_claim, world.users.grid_worker, claim.id, "当天没有喜事",
                   now=NOW)
    assert rejected.state == ClaimState.REJECTED
    assert rejected.reject_reason == "当天没有喜事"
    with pytest.raises(ClaimError, match="已经审核过（未通过）"):
        approve(session, world, claim)
    assert session.execute(select(func.count(Award.id))).scalar_one() == 0


def test_rejecting_a_posted_claim_is_refused(session, world):
    act(session, services.set_notice_days, world.users.committee, world.regions.v1.id, 0, now=NOW)
    claim = approve(session, world, report(session, world))
    assert claim.state == ClaimState.POSTED  # no notice in this village
    with pytest.raises(ClaimError, match="这一项已入账，不能再审核；如有错误，请由村委冲正") as refused:
        act(session, services.reject_claim, world.users.committee, claim.id, "错了", now=NOW)
    assert refused.value.status == 409
    assert balance(session, world.households.h1) == 20


def test_an_unknown_claim_is_404(session, world):
    with pytest.raises(ClaimError, match="找不到这条申报") as missing:
        act(session, services.approve_claim, world.users.committee, 999999, now=NOW)
    assert missing.value.status == 404


def test_a_claim_posts_under_the_version_it_was_made_under(session, world):
    rule = world.rules.sweep
    old = approve(session, world, report(session, world, rule, amount="3"))
    first_version = old.rule_version_id
    run_in_transaction(session, lambda: revise_rule(session, rule, "county:test", points=10))
    session.refresh(rule)
    new = approve(session, world, report(session, world, rule, amount="3"))

    assert new.rule_version_id != first_version
    assert (old.points, new.points) == (6, 30)
    posted = act(session, services.post_due_claims, NOW + 7 * DAY)
    assert {c.id for c in posted} == {old.id, new.id}
    session.refresh(old)
    session.refresh(new)
    assert (old.award.points, old.award.rule_version_id) == (6, first_version)
    assert (new.award.points, new.award.rule_version_id) == (30, new.rule_version_id)
    assert balance(session, world.households.h1) == 36


def test_caps_apply_at_posting_and_the_cut_is_kept(session, world):
    # 红白喜事简办 gives 20 a time, at most 30 a month for a household.
    first = approve(session, world, report(session, world))
    second = approve(session, world, report(session, world))
    assert (first.points, second.points) == (20, 20)  # the claim shows what the rule gives
    act(session, services.post_due_claims, NOW + 7 * DAY)
    session.refresh(first)
    session.refresh(second)
    assert (first.award.points, first.award.cut) == (20, 0)
    assert (second.award.points, second.award.cut) == (10, 10)
    assert balance(session, world.households.h1) == 30


def test_review_queue_follows_the_reviewers_grid_or_village(session, world):
    mine = report(session, world)
    neighbours = report(session, world, user=world.users.neighbour)
    outside = report(session, world, world.rules.v2_only, user=world.users.outsider)

    def queue(user):
        submitted, objected = queries.review_queue(session, user)
        return {c.id for c in submitted}, {c.id for c in objected}

    assert queue(world.users.grid_worker) == ({mine.id}, set())
    assert queue(world.users.other_grid_worker) == ({neighbours.id}, set())
    assert queue(world.users.committee) == ({mine.id, neighbours.id}, set())
    assert queue(world.users.other_committee) == ({outside.id}, set())
    assert queue(world.users.villager) == (set(), set())
    assert queries.review_counts(session, world.users.committee) == (2, 0)
    assert queries.review_counts(session, world.users.villager) == (0, 0)


def test_a_long_queue_shows_the_oldest_and_says_how_many_wait(session, world, client, login_as):
    claims = [report(session, world) for _ in range(3)]
    submitted, _objected = queries.review_queue(session, world.users.grid_worker, limit=2)
    assert [c.id for c in submitted] == [c.id for c in claims[:2]]  # oldest first
    login_as(world.users.grid_worker)
    with patch.object(queries, "QUEUE_LIMIT", 2):
        page = client.get("/claims/review").get_data(as_text=True)
    assert "待审核（3）" in page
    assert "先显示最早的 2 条" in page
