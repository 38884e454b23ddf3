"""The public notice: time moves forward, objections come and are resolved, the posting job runs
(twice, and from the CLI), and the village sets its own notice period."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from incentives.awards.models import Award
from incentives.claims import queries, services
from incentives.claims.errors import ClaimError
from incentives.claims.models import ClaimState
from ledger.balances import balance_of
from tests.incentives.claims.conftest import DAY, NOW, act, report

END = NOW + 7 * DAY


def balance(session, household) -> int:
    session.expire_all()
    return balance_of(session, household.account_id)


def awards(session) -> int:
    return session.execute(select(func.count(Award.id))).scalar_one()


@pytest.fixture
def in_notice(session, world):
    """H1's report, approved by the committee at NOW: in notice until NOW + 7 days."""
    claim = report(session, world)
    return act(session, services.approve_claim, world.users.committee, claim.id, now=NOW)


def object_to(session, world, claim, user=None, reason="那天他家办了二十桌酒席", now=NOW + DAY):
    return act(session, services.lodge_objection, user or world.users.neighbour, claim.id, reason, now=now)


def test_nothing_posts_before_the_notice_ends_then_it_posts_once(session, world, in_notice):
    assert act(session, services.post_due_claims, END - timedelta(seconds=1)) == []
    assert balance(session, world.households.h1) == 0

    posted = act(session, services.post_due_claims, END)
    assert [c.id for c in posted] == [in_notice.id]
    assert balance(session, world.households.h1) == 20
    claim = posted[0]
    assert claim.state == ClaimState.POSTED and claim.posted_at == END
    assert claim.award.actor == f"user:{world.users.committee.id}"  # the approver answers for it
    assert "申报：红白喜事简办" in claim.award.reason

    # The job runs every few minutes: again, and again later, posts nothing more.
    assert act(session, services.post_due_claims, END) == []
    assert act(session, services.post_due_claims, END + 30 * DAY) == []
    assert balance(session, world.households.h1) == 20
    assert awards(session) == 1


def test_the_notice_lists_items_in_notice_and_under_objection(session, world, in_notice):
    other = report(session, world, user=world.users.neighbour)
    submitted_only = report(session, world)
    act(session, services.approve_claim, world.users.committee, other.id, now=NOW + DAY)
    object_to(session, world, other, user=world.users.villager, now=NOW + 2 * DAY)

    items = queries.notice_items(session, world.regions.v1.id)
    assert [(c.id, c.state) for c in items] == [
        (in_notice.id, ClaimState.IN_NOTICE), (other.id, ClaimState.OBJECTED)
    ]
    assert submitted_only.id not in {c.id for c in items}
    assert queries.notice_items(session, world.regions.v2.id) == []


def test_an_objection_stops_posting_until_the_committee_upholds(session, world, in_notice):
    objection = object_to(session, world, in_notice)
    assert objection.claim.state == ClaimState.OBJECTED
    assert objection.user_id == world.users.neighbour.id

    assert act(session, services.post_due_claims, END + DAY) == []  # not while objected
    submitted, objected = queries.review_queue(session, world.users.committee)
    assert [c.id for c in objected] == [in_notice.id]
    assert queries.review_queue(session, world.users.grid_worker)[1] == []  # the committee's call

    # Upheld before the end: back in the notice until its original end.
    upheld = act(session, services.uphold_claim, world.users.committee, in_notice.id, "经核实属实",
                 now=NOW + 2 * DAY)
    assert upheld.state == ClaimState.IN_NOTICE and upheld.notice_ends_at == END
    assert upheld.objections[0].resolution == "upheld"
    assert upheld.objections[0].resolution_note == "经核实属实"
    assert act(session, services.post_due_claims, END - DAY) == []
    assert [c.id for c in act(session, services.post_due_claims, END)] == [in_notice.id]
    assert balance(session, world.households.h1) == 20


def test_upholding_after_the_notice_would_have_ended_posts_at_once(session, world, in_notice):
    object_to(session, world, in_notice, now=END - timedelta(hours=1))
    claim = act(session, services.uphold_claim, world.users.committee, in_notice.id, now=END + 3 * DAY)
    assert claim.state == ClaimState.POSTED
    assert claim.award.actor == f"user:{world.users.committee.id}"
    assert balance(session, world.households.h1) == 20


def test_withdrawing_after_an_objection_rejects_the_item(session, world, in_notice):
    object_to(session, world, in_notice)
    with pytest.raises(ClaimError, match="请填写撤销的理由"):
        act(session, services.withdraw_claim, world.users.committee, in_notice.id, "", now=NOW + 2 * DAY)
    claim = act(session, services.withdraw_claim, world.users.committee, in_notice.id,
                "经查证确实大操大办", now=NOW + 2 * DAY)
    assert claim.state == ClaimState.REJECTED
    assert claim.reject_reason == "经查证确实大操大办"
    assert claim.objections[0].resolution == "withdrawn"
    assert act(session, services.post_due_claims, END + DAY) == []
    assert balance(session, world.households.h1) == 0
    with pytest.raises(ClaimError, match="没有待处理的异议（未通过）"):
        act(session, services.uphold_claim, world.users.committee, claim.id, now=NOW + 3 * DAY)


def test_objecting_after_the_notice_ended_is_refused(session, world, in_notice):
    # The job has not run yet, but the notice is over: too late to object.
    with pytest.raises(ClaimError, match="公示期已结束，不能再提出异议") as refused:
        object_to(session, world, in_notice, now=END)
    assert refused.value.status == 409
    act(session, services.post_due_claims, END)
    with pytest.raises(ClaimError, match="只能对公示中的事项提出异议（这一项：已入账）"):
        object_to(session, world, in_notice, now=END + DAY)


def test_objecting_to_an_item_not_in_notice_is_refused(session, world, in_notice):
    submitted = report(session, world)
    with pytest.raises(ClaimError, match="只能对公示中的事项提出异议（这一项：待审核）"):
        object_to(session, world, submitted)
    object_to(session, world, in_notice)
    with pytest.raises(ClaimError, match="这一项：有异议，待村委处理"):
        object_to(session, world, in_notice, user=world.users.villager, now=NOW + 2 * DAY)


@pytest.mark.parametrize("who", ["outsider", "committee", "grid_worker", "township_admin"])
def test_only_villagers_of_the_village_may_object(session, world, in_notice, who):
    with pytest.raises(ClaimError, match="只有本村村民可以对公示事项提出异议") as refused:
        object_to(session, world, in_notice, user=getattr(world.users, who))
    assert refused.value.status == 403


def test_an_objection_needs_a_reason(session, world, in_notice):
    with pytest.raises(ClaimError, match="请填写异议理由"):
        object_to(session, world, in_notice, reason=" \n ")
    with pytest.raises(ClaimError, match="理由最多 300 字"):
        object_to(session, world, in_notice, reason="长" * 301)


@pytest.mark.parametrize("who", ["grid_worker", "other_committee", "villager", "neighbour"])
def test_only_the_villages_committee_resolves_objections(session, world, in_notice, who):
    object_to(session, world, in_notice)
    for service in (services.uphold_claim, services.withdraw_claim):
        with pytest.raises(ClaimError, match="只有本村村委可以处理异议") as refused:
            act(session, service, getattr(world.users, who), in_notice.id, "理由", now=NOW + 2 * DAY)
        assert refused.value.status == 403


def test_resolving_without_an_objection_is_refused(session, world, in_notice):
    with pytest.raises(ClaimError, match="这一项没有待处理的异议（公示中）") as refused:
        act(session, services.uphold_claim, world.users.committee, in_notice.id, now=NOW + DAY)
    assert refused.value.status == 409


def test_the_village_sets_its_notice_period(session, world, in_notice):
    assert services.notice_days_for(session, world.regions.v1.id) == 7
    act(session, services.set_notice_days, world.users.committee, world.regions.v1.id, 3, now=NOW)
    claim = report(session, world, world.rules.sweep)
    claim = act(session, services.approve_claim, world.users.committee, claim.id, now=NOW)
    assert claim.notice_ends_at == NOW + 3 * DAY
    assert in_notice.notice_ends_at == END  # already in notice: keeps the end it was given
    assert services.notice_days_for(session, world.regions.v2.id) == 7  # other villages untouched

    for user, days, message in [
        (world.users.grid_worker, 5, "只有本村村委可以设置公示天数"),
        (world.users.other_committee, 5, "只有本村村委可以设置公示天数"),
        (world.users.committee, 31, "公示天数须在 0 到 30 之间"),
        (world.users.committee, -1, "公示天数须在 0 到 30 之间"),
    ]:
        with pytest.raises(ClaimError, match=message):
            act(session, services.set_notice_days, user, world.regions.v1.id, days, now=NOW)
    assert services.notice_days_for(session, world.regions.v1.id) == 3


def test_without_a_notice_period_approval_posts_at_once(session, world):
    act(session, services.set_notice_days, world.users.committee, world.regions.v1.id, 0, now=NOW)
    claim = report(session, world)
    claim = act(session, services.approve_claim, world.users.grid_worker, claim.id, now=NOW)
    assert claim.state == ClaimState.POSTED and claim.notice_ends_at is None
    assert claim.award.actor == f"user:{world.users.grid_worker.id}"
    assert balance(session, world.households.h1) == 20


def test_the_cli_posts_due_claims_once(app, runner, session, world, in_notice):
    early = runner.invoke(args=["claims", "post-due", "--now", (END - DAY).isoformat()])
    assert early.exit_code == 0, early.output
    assert "posted 0 claims" in early.output

    # An offset is honoured: 08:00 in Shanghai on the last day is exactly END in UTC.
    local = (END + timedelta(hours=8)).isoformat() + "+08:00"
    first = runner.invoke(args=["claims", "post-due", "--now", local])
    assert first.exit_code == 0, first.output
    assert "posted 1 claims" in first.output
    again = runner.invoke(args=["claims", "post-due", "--now", local])
    assert "posted 0 claims" in again.output
    assert balance(session, world.households.h1) == 20

    bad = runner.invoke(args=["claims", "post-due", "--now", "next tuesday"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output


def test_the_cli_posts_in_batches(app, runner, session, world, monkeypatch):
    claims = [report(session, world, world.rules.sweep) for _ in range(5)]
    for claim in claims:
        act(session, services.approve_claim, world.users.committee, claim.id, now=NOW)
    monkeypatch.setattr("incentives.claims.services.POST_BATCH", 2)
    result = runner.invoke(args=["claims", "post-due", "--now", END.isoformat()])
    assert "posted 5 claims" in result.output, result.output
    assert balance(session, world.households.h1) == 10
