"""Appraisal rounds as the committee lives them: recusal, robust results, freezing, the bonus once."""

from datetime import datetime
from fractions import Fraction

import pytest
from sqlalchemy import delete, func, select

from incentives.appraisal.errors import AppraisalError, RecusalRequired
from incentives.appraisal.models import AppraisalResult, AppraisalRound
from incentives.appraisal.results import (
    close_round,
    post_bonuses,
    ranking,
)
from incentives.appraisal.services import (
    declare_recusal,
    households_to_score,
    open_round,
    score_household,
)
from incentives.auth.models import RoleGrant
from incentives.auth.roles import Role
from incentives.places.services import add_person, move_person
from ledger.models import Account, Entry, utcnow
from ledger.transaction import run_in_transaction
from tests.factories import make_user


def sheet(round_, *values):
    return {c.id: v for c, v in zip(round_.criteria, values, strict=True)}


def score(session, round_, member, household, *values):
    run_in_transaction(session, lambda: score_household(
        session, round_.id, member, household.id, sheet(round_, *values)
    ))


def test_criteria_weights_must_sum_to_100(session, village):
    with pytest.raises(AppraisalError, match="100"):
        run_in_transaction(session, lambda: open_round(
            session, village.village, "month", utcnow().date(), [("孝老爱亲", 50), ("邻里和睦", 40)],
            actor="test",
        ))
    assert session.scalar(select(func.count(AppraisalRound.id))) == 0


def test_a_member_never_scores_own_household(session, village, open_month):
    member, own = village.members[0], village.households[0]
    with pytest.raises(RecusalRequired) as refused:
        score(session, open_month, member, own, 8, 8, 8, 8, 8)
    assert refused.value.status == 403
    listed = {t.household.id for t in households_to_score(session, open_month, member)}
    assert own.id not in listed and village.households[1].id in listed
    listed = {t.household.id for t in households_to_score(session, open_month, village.members[1])}
    assert own.id in listed and village.households[1].id not in listed


def test_households_linked_by_a_move_are_close_family_both_ways(session, village, open_month):
    """A son of household 0 set up household 5 (分户): member 0 (household 0) is recused from 5,
    and a member living in 5 would be recused from 0."""
    son = run_in_transaction(session, lambda: add_person(session, village.households[0], "张小军"))
    run_in_transaction(session, lambda: move_person(session, son, village.households[5], "test"))
    with pytest.raises(RecusalRequired):
        score(session, open_month, village.members[0], village.households[5], 8, 8, 8, 8, 8)
    assert village.households[5].id not in {
        t.household.id for t in households_to_score(session, open_month, village.members[0])
    }
    in_five = make_user(session, Role.APPRAISER, village.village, person=village.households[5].members[0])
    with pytest.raises(RecusalRequired):
        score(session, open_month, in_five, village.households[0], 8, 8, 8, 8, 8)
    score(session, open_month, village.members[1], village.households[5], 8, 8, 8, 8, 8)  # no link


def test_declared_recusal_is_enforced_and_withdraws_scores(session, village, open_month):
    member, cousin = village.members[0], village.households[3]
    score(session, open_month, member, cousin, 9, 9, 9, 9, 9)
    run_in_transaction(session, lambda: declare_recusal(
        session, village.village, member.id, cousin.id, "表兄弟", actor="test", by=member
    ))
    with pytest.raises(RecusalRequired):
        score(session, open_month, member, cousin, 9, 9, 9, 9, 9)
    run_in_transaction(session, lambda: close_round(session, open_month.id, actor="test"))
    assert ranking(session, open_month) == []  # the withdrawn sheet counted for nothing


def test_close_counts_only_sheets_the_member_may_still_give(session, village, open_month):
    """Scored while allowed, then the member left the committee, or a move made the household
    close family: at the close those sheets count for nothing."""
    leaver, related = village.members[1], village.members[2]
    score(session, open_month, leaver, village.households[5], 9, 9, 9, 9, 9)
    score(session, open_month, related, village.households[5], 9, 9, 9, 9, 9)
    score(session, open_month, village.members[3], village.households[5], 2, 2, 2, 2, 2)
    run_in_transaction(session, lambda: session.execute(
        delete(RoleGrant).where(RoleGrant.user_id == leaver.id, RoleGrant.role == Role.APPRAISER)
    ))
    # A son of household 2 (member 2's) moves to household 5: now close family.
    son = run_in_transaction(session, lambda: add_person(session, village.households[2], "李小明"))
    run_in_transaction(session, lambda: move_person(session, son, village.households[5], "test"))
    run_in_transaction(session, lambda: close_round(session, open_month.id, actor="test"))
    (result,) = session.execute(select(AppraisalResult)).scalars().all()
    assert (result.household_id, result.scorers) == (village.households[5].id, 1)
    assert Fraction(result.numerator, result.denominator) == 20


def test_an_appraiser_declares_recusals_only_for_themself(session, village, open_month, login_as):
    me, other, cousin = village.members[0], village.members[1], village.households[4]
    score(session, open_month, other, cousin, 9, 9, 9, 9, 9)
    with pytest.raises(AppraisalError) as refused:
        run_in_transaction(session, lambda: declare_recusal(
            session, village.village, other.id, cousin.id, "看他不顺眼", actor="test", by=me
        ))
    assert refused.value.status == 403
    # Through the page: the form offers an appraiser only themself.
    client = login_as(me)
    url = f"/appraisal/rounds/{open_month.id}/recusals"
    assert client.post(url, data={"member": other.id, "household_number": cousin.number,
                                  "reason": "x"}).status_code == 303
    assert client.post(url, data={"member": me.id, "household_number": cousin.number,
                                  "reason": "表亲"}).status_code == 302
    session.rollback()
    run_in_transaction(session, lambda: close_round(session, open_month.id, actor="test"))
    assert [r.household.id for r in ranking(session, open_month)] == [cousin.id]  # the sheet stands
    # The village committee may still declare one for any member.
    chair = make_user(session, Role.VILLAGE_COMMITTEE, village.village)
    recusal = run_in_transaction(session, lambda: declare_recusal(
        session, village.village, other.id, cousin.id, "表亲", actor="test", by=chair
    ))
    assert recusal.member_id == other.id


def test_one_biased_member_moves_the_result_less_than_a_plain_mean(session, village, open_month):
    target = village.households[5]
    honest = [(7, 7, 7, 7, 7), (8, 8, 7, 7, 7), (8, 8, 8, 7, 7), (8, 8, 8, 8, 8)]  # 70 74 76 80
    for member, values in zip(village.members[:4], honest, strict=True):
        score(session, open_month, member, target, *values)
    score(session, open_month, village.members[4], target, 0, 0, 0, 0, 0)
    run_in_transaction(session, lambda: close_round(session, open_month.id, actor="test"))
    (result,) = ranking(session, open_month)
    assert result.value == Fraction(220, 3) and result.display == "73.33"
    assert result.method == "trimmed" and result.scorers == 5
    plain = Fraction(70 + 74 + 76 + 80 + 0, 5)
    assert abs(result.value - 75) < abs(plain - 75) == 15


def test_closed_round_is_frozen(session, village, open_month):
    score(session, open_month, village.members[0], village.households[4], 8, 8, 8, 8, 8)
    run_in_transaction(session, lambda: close_round(session, open_month.id, actor="test"))
    with pytest.raises(AppraisalError, match="已结束") as refused:
        score(session, open_month, village.members[1], village.households[4], 1, 1, 1, 1, 1)
    assert refused.value.status == 409
    (result,) = ranking(session, open_month)
    assert result.value == 80 and result.method == "mean"


def test_bonus_posted_once_to_the_top_households(session, village, open_month):
    scores = {5: 9, 4: 8, 3: 6}  # households 5, 4 and 3 by member 0 and member 1 (not their own)
    for h, v in scores.items():
        for m in (0, 1):
            score(session, open_month, village.members[m], village.households[h], v, v, v, v, v)
    run_in_transaction(session, lambda: close_round(session, open_month.id, actor="test"))
    run_in_transaction(session, lambda: close_round(session, open_month.id, actor="test"))
    run_in_transaction(session, lambda: post_bonuses(session, open_month, actor="test"))
    entries = session.execute(
        select(Entry.to_account_id, Entry.amount).where(Entry.ref_type == "appraisal_round")
    ).all()
    accounts = {village.households[5].account_id, village.households[4].account_id}
    assert sorted(entries) == sorted((a, 50) for a in accounts)
    for h in (5, 4):
        session.expire_all()
        assert session.get(Account, village.households[h].account_id).balance == 50
    assert session.get(Account, village.households[3].account_id).balance == 0
    ranks = [(r.household.id, r.rank) for r in ranking(session, open_month)]
    assert ranks == [(village.households[5].id, 1), (village.households[4].id, 2),
                     (village.households[3].id, 3)]
    assert session.scalar(select(func.count(AppraisalResult.id))) == 3
    # Published once on the notice board, frozen as ranked.
    from incentives.appraisal.results import find_ranking_publication

    publication = find_ranking_publication(session, open_month)
    rows = publication.content["rows"]
    assert [(r["household_id"], r["rank"], r["score"]) for r in rows] == [
        (village.households[5].id, 1, "90.00"), (village.households[4].id, 2, "80.00"),
        (village.households[3].id, 3, "60.00"),
    ]


# --- the pages ---------------------------------------------------------------------------------


def test_form_hides_own_household_and_refuses_it_with_403(session, village, open_month, login_as):
    client = login_as(village.members[0])
    own, other = village.households[0], village.households[4]
    page = client.get(f"/appraisal/rounds/{open_month.id}").get_data(as_text=True)
    assert f"/households/{own.id}\"" not in page and f"/households/{other.id}\"" in page
    for method in (client.get, client.post):
        response = method(f"/appraisal/rounds/{open_month.id}/households/{own.id}",
                          data={f"c{c.id}": "8" for c in open_month.criteria})
        assert response.status_code == 403
        assert "回避" in response.get_data(as_text=True)


def test_scoring_through_the_form_then_close_freezes(session, village, open_month, login_as):
    client = login_as(village.members[0])
    target = village.households[4]
    url = f"/appraisal/rounds/{open_month.id}/households/{target.id}"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={f"c{c.id}": "11" for c in open_month.criteria})
    assert bad.status_code == 400
    ok = client.post(url, data={f"c{c.id}": "9" for c in open_month.criteria})
    assert ok.status_code == 302
    assert client.post(f"/appraisal/rounds/{open_month.id}/close").status_code == 302
    late = client.post(url, data={f"c{c.id}": "1" for c in open_month.criteria})
    assert late.status_code == 409 and "已结束" in late.get_data(as_text=True)
    public = client.application.test_client().get(f"/appraisal/rounds/{open_month.id}/results")
    text = public.get_data(as_text=True)
    assert public.status_code == 200 and "90.00" in text and "去掉一个最高分和一个最低分" in text


def test_results_of_an_open_round_are_not_public(client, open_month):
    assert client.get(f"/appraisal/rounds/{open_month.id}/results").status_code == 404


def test_only_the_villages_committee_sees_the_round(session, village, open_month, login_as):
    township = make_user(session, Role.TOWNSHIP_ADMIN, village.township)
    client = login_as(township)
    assert client.get(f"/appraisal/rounds/{open_month.id}").status_code == 404
    assert client.post(f"/appraisal/rounds/{open_month.id}/close").status_code == 404


def test_demo_rounds_are_seeded_once(session, village):
    from incentives.appraisal.demo import seed_appraisal_demo
    from ledger.chain import read_head
    from tests.factories import make_household

    for i in range(6, 11):  # eleven households: the demo committee is the heads of 2, 4 ... 10
        make_household(session, village.village, f"户主{i}")
    run_in_transaction(session, lambda: seed_appraisal_demo(session, ["和平村"]))
    rounds = session.execute(select(AppraisalRound).order_by(AppraisalRound.id)).scalars().all()
    assert [r.status for r in rounds] == ["closed", "open"]
    assert len(ranking(session, rounds[0])) == 11
    head = read_head(session).hash
    run_in_transaction(session, lambda: seed_appraisal_demo(session, ["和平村"]))
    session.expire_all()
    assert session.scalar(select(func.count(AppraisalRound.id))) == 2 and read_head(session).hash == head


def test_committee_declares_a_recusal_on_the_round_page(session, village, open_month, login_as):
    chair = make_user(session, Role.VILLAGE_COMMITTEE, village.village)
    client = login_as(chair)
    member, cousin = village.members[2], village.households[4]
    url = f"/appraisal/rounds/{open_month.id}/recusals"
    unknown = client.post(url, data={"member": member.id, "household_number": "nope", "reason": "表亲"})
    assert unknown.status_code == 303
    assert client.post(url, data={"member": member.id, "household_number": cousin.number,
                                  "reason": "表亲"}).status_code == 302
    assert "表亲" in client.get(f"/appraisal/rounds/{open_month.id}").get_data(as_text=True)
    client.post("/logout")
    login_as(member)
    response = client.get(f"/appraisal/rounds/{open_month.id}/households/{cousin.id}")
    assert response.status_code == 403


def test_committee_opens_a_round_on_published_criteria(session, village, login_as):
    client = login_as(village.members[0])
    url = f"/appraisal/new?village={village.village.id}"
    form = client.get(url).get_data(as_text=True)
    assert "孝老爱亲" in form and "环境卫生" in form
    data = {"cadence": "quarter", "day": "2026-11-15", "bonus_top": "3", "bonus_points": "20",
            "criteria-0-name": "孝老爱亲", "criteria-0-weight": "60",
            "criteria-1-name": "邻里和睦", "criteria-1-weight": "30"}
    refused = client.post(url, data=data)
    assert refused.status_code == 400 and "100" in refused.get_data(as_text=True)
    assert "邻里和睦" in refused.get_data(as_text=True)  # what was typed is kept
    data["criteria-1-weight"] = "40"
    assert client.post(url, data=data).status_code == 302
    session.rollback()  # end the fixture's read transaction: see what the app committed
    (round_,) = session.execute(select(AppraisalRound)).scalars().all()
    assert (str(round_.period_start), str(round_.period_end)) == ("2026-10-01", "2026-12-31")
    assert [(c.name, c.weight) for c in round_.criteria] == [("孝老爱亲", 60), ("邻里和睦", 40)]
    again = client.post(url, data=data)
    assert again.status_code == 409 and "已经存在" in again.get_data(as_text=True)
    grid_worker = make_user(session, Role.GRID_WORKER, village.village)
    client.post("/logout")
    assert login_as(grid_worker).get(url).status_code == 404


def test_a_new_round_defaults_to_the_local_date(session, village, login_as, monkeypatch):
    # 07:30 on 1 December in Shanghai is still 30 November in UTC.
    monkeypatch.setattr("incentives.appraisal.views.utcnow", lambda: datetime(2026, 11, 30, 23, 30))
    form = login_as(village.members[0]).get(f"/appraisal/new?village={village.village.id}")
    assert 'value="2026-12-01"' in form.get_data(as_text=True)


def test_closing_from_the_cli_twice_posts_the_bonus_once(session, village, open_month, runner):
    for m in (0, 1):
        score(session, open_month, village.members[m], village.households[5], 9, 9, 9, 9, 9)
    first = runner.invoke(args=["appraisal", "close", str(open_month.id)])
    second = runner.invoke(args=["appraisal", "close", str(open_month.id)])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert "90.00" in first.output
    assert session.scalar(select(func.count(Entry.id)).where(Entry.ref_type == "appraisal_round")) == 1
    missing = runner.invoke(args=["appraisal", "close", "999999"])
    assert missing.exit_code != 0 and "找不到" in missing.output
