"""冲正: the village committee reverses a wrong award or deduction of a household, with a reason;
the ledger keeps both entries, the cap frees up, and everything else is refused with a reason."""

import pytest
from sqlalchemy import select

from incentives.awards.corrections import correctable_entry_ids, reverse_award_entry
from incentives.awards.services import grant_award
from incentives.errors import ServiceError
from ledger import AccountKind, EntryKind
from ledger.balances import computed_balance
from ledger.models import Account, Entry
from tests.factories import make_account, spend
from tests.incentives.claims.conftest import act


def award(session, world, household=None, rule=None, source_id=1):
    household = household or world.households.h1
    return act(session, lambda s: grant_award(
        s, household, (rule or world.rules.wedding).current, 1, source_type="test",
        source_id=source_id, actor="user:committee", reason="红白喜事简办",
    ))


def balance(session, household) -> int:
    session.rollback()
    session.expire_all()
    cached = session.get(Account, household.account_id).balance
    assert cached == computed_balance(session, household.account_id)
    return cached


def correct(session, world, entry_id, household=None, reason="重复登记", key="k1"):
    return act(session, lambda s: reverse_award_entry(
        s, household or world.households.h1, entry_id, actor_id=world.users.committee.id,
        reason=reason, key=key,
    ))


def test_a_wrong_award_is_reversed_once_and_its_cap_frees_up(session, world):
    first = award(session, world)  # the wedding rule: 20 points, at most 30 a month
    second = award(session, world, source_id=2)
    assert (first.points, second.points) == (20, 10)  # the cap cut the second
    assert balance(session, world.households.h1) == 30

    reversal = correct(session, world, second.entry_id)
    assert (reversal.kind, reversal.reverses_id, reversal.amount) == (EntryKind.REVERSE, second.entry_id, 10)
    assert reversal.reason == "冲正：重复登记" and reversal.actor == f"user:{world.users.committee.id}"
    assert balance(session, world.households.h1) == 20
    assert correct(session, world, second.entry_id).id == reversal.id  # the same form twice
    with pytest.raises(ServiceError, match="已经冲正过") as info:
        correct(session, world, second.entry_id, key="k2")
    assert info.value.status == 409
    assert award(session, world, source_id=3).points == 10  # the reversed 10 no longer counts

    entries = session.execute(select(Entry).order_by(Entry.id)).scalars().all()
    assert correctable_entry_ids(session, world.households.h1, entries) == {
        first.entry_id, award(session, world, source_id=3).entry_id,
    }


def test_a_deduction_is_reversed_too(session, world):
    award(session, world)
    deduction = award(session, world, rule=world.rules.litter, source_id=2)
    assert deduction.points == -5 and balance(session, world.households.h1) == 15
    correct(session, world, deduction.entry_id)
    assert balance(session, world.households.h1) == 20


@pytest.mark.parametrize("case", ["no reason", "other household", "a redemption", "unknown"])
def test_what_is_not_a_households_award_is_refused_and_nothing_is_written(session, world, case):
    mine = award(session, world)
    theirs = award(session, world, household=world.households.h2, source_id=9)
    shop = make_account(session, AccountKind.SUPERMARKET)
    bought = spend(session, session.get(Account, world.households.h1.account_id), shop, 3)
    target, reason = {
        "no reason": (mine.entry_id, "  "),
        "other household": (theirs.entry_id, "重复登记"),
        "a redemption": (bought.id, "重复登记"),
        "unknown": (999_999, "重复登记"),
    }[case]
    count = session.execute(select(Entry.id)).all()
    with pytest.raises(ServiceError) as info:
        correct(session, world, target, reason=reason)
    assert info.value.status in (400, 404)
    assert session.execute(select(Entry.id)).all() == count


def test_points_already_spent_cannot_be_taken_back(session, world):
    wrong = award(session, world)
    shop = make_account(session, AccountKind.SUPERMARKET)
    spend(session, session.get(Account, world.households.h1.account_id), shop, 15)
    with pytest.raises(ServiceError, match="不足 20 分") as info:
        correct(session, world, wrong.entry_id)
    assert info.value.status == 409
    assert balance(session, world.households.h1) == 5


def test_the_committee_corrects_from_the_household_page(session, world, client, login_as):
    wrong = award(session, world)
    household = world.households.h1
    page_url = f"/households/{household.id}"
    url = f"{page_url}/entries/{wrong.entry_id}/correct"
    for user in (world.users.grid_worker, world.users.other_committee, world.users.villager):
        login_as(user)
        assert client.get(url).status_code == 404
        assert client.post(url, data={"reason": "x", "key": "a"}).status_code == 404
        client.post("/logout")
    login_as(world.users.grid_worker)
    assert 'data-testid="correct"' not in client.get(page_url).get_data(as_text=True)
    client.post("/logout")

    login_as(world.users.committee)
    page = client.get(page_url).get_data(as_text=True)
    assert f"/entries/{wrong.entry_id}/correct" in page
    form = client.get(url).get_data(as_text=True)
    assert "红白喜事简办" in form and "每条记录只能冲正一次" in form
    refused = client.post(url, data={"reason": "", "key": "form-1"})
    assert refused.status_code == 400 and "请写明冲正原因" in refused.get_data(as_text=True)
    done = client.post(url, data={"reason": "登记错户", "key": "form-1"})
    assert done.status_code == 302
    again = client.post(url, data={"reason": "登记错户", "key": "form-1"})  # a double tap
    assert again.status_code == 302 and again.location == done.location
    assert client.post(url, data={"reason": "登记错户", "key": "form-2"}).status_code == 404
    assert balance(session, household) == 0
    page = client.get(page_url).get_data(as_text=True)
    assert "冲正：登记错户" in page and f"/entries/{wrong.entry_id}/correct" not in page
    assert client.get(url).status_code == 404  # reversed: nothing left to correct
