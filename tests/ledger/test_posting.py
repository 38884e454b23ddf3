"""Posting: double entry, idempotency, balance limits, validation; a refusal writes nothing."""

import pytest
from sqlalchemy import func, select

from ledger import (
    AccountKind,
    EntryKind,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidPosting,
    Posting,
    UnitMismatch,
    UnknownAccount,
    issuing_account,
    post,
    post_many,
)
from ledger.balances import computed_balance, reconcile
from ledger.chain import read_head, verify_chain
from ledger.kinds import Unit
from ledger.models import Entry
from ledger.transaction import run_in_transaction
from tests.factories import fund, make_account, spend, unique


def entry_count(session) -> int:
    session.rollback()
    return session.execute(select(func.count(Entry.id))).scalar_one()


def posting(source, target, amount, key=None, **fields) -> Posting:
    defaults = dict(kind=EntryKind.TRANSFER, actor="user:1", reason="测试")
    key = unique("k") if key is None else key
    return Posting(key, source.id, target.id, amount, **(defaults | fields))


def test_earning_moves_points_from_issuing_and_everything_sums_to_zero(session):
    household = make_account(session)
    entry = fund(session, household, 30)

    assert entry.amount == 30 and entry.to_account_id == household.id
    assert household.balance == 30 == computed_balance(session, household.id)
    assert issuing_account(session, Unit.POINTS).balance == -30
    result = reconcile(session)
    assert result.ok and result.totals_by_unit == {"points": 0}


def test_entry_records_who_why_and_what_caused_it(session):
    household = make_account(session)
    budget = make_account(session, AccountKind.BUDGET)
    fund(session, budget, 100)
    entry = run_in_transaction(
        session,
        lambda: post(
            session,
            posting(budget, household, 12, kind=EntryKind.EARN, actor="user:7",
                    reason="志愿服务 河道清理 2 小时", ref_type="claim", ref_id=41),
        ),
    )
    stored = session.get(Entry, entry.id)
    assert (stored.kind, stored.actor, stored.reason) == ("earn", "user:7", "志愿服务 河道清理 2 小时")
    assert (stored.ref_type, stored.ref_id) == ("claim", "41")
    assert stored.created_at is not None and len(stored.hash) == 64


def test_replaying_a_key_returns_the_original_and_writes_nothing(session):
    household = make_account(session)
    first = fund(session, household, 10, key="claim-1")
    before = entry_count(session)

    again = fund(session, household, 10, key="claim-1")

    assert again.id == first.id
    assert entry_count(session) == before
    session.refresh(household)
    assert household.balance == 10


def test_same_key_with_another_payload_is_refused(session):
    household = make_account(session)
    fund(session, household, 10, key="claim-2")
    before = entry_count(session)

    with pytest.raises(IdempotencyConflict) as refused:
        fund(session, household, 11, key="claim-2")

    assert refused.value.field == "amount"
    assert entry_count(session) == before


def test_household_cannot_go_below_zero_and_refusal_writes_nothing(session):
    household = make_account(session)
    shop = make_account(session, AccountKind.SUPERMARKET)
    fund(session, household, 50)
    head_before = read_head(session).hash

    with pytest.raises(InsufficientBalance) as refused:
        spend(session, household, shop, 51)

    assert (refused.value.balance, refused.value.amount) == (50, 51)
    session.rollback()
    session.refresh(household)
    assert household.balance == 50
    assert read_head(session).hash == head_before
    spend(session, household, shop, 50)
    session.refresh(household)
    assert household.balance == 0


def test_campaign_budget_cannot_issue_more_than_it_holds(session):
    budget = make_account(session, AccountKind.BUDGET)
    household = make_account(session)
    fund(session, budget, 100)

    with pytest.raises(InsufficientBalance):
        run_in_transaction(session, lambda: post(session, posting(budget, household, 101)))
    run_in_transaction(session, lambda: post(session, posting(budget, household, 100)))
    session.refresh(budget)
    assert budget.balance == 0


def test_batch_is_all_or_nothing(session):
    budget = make_account(session, AccountKind.BUDGET)
    households = [make_account(session) for _ in range(3)]
    fund(session, budget, 25)
    before = entry_count(session)

    with pytest.raises(InsufficientBalance):
        run_in_transaction(
            session, lambda: post_many(session, [posting(budget, h, 10) for h in households])
        )
    assert entry_count(session) == before
    session.refresh(budget)
    assert budget.balance == 25


def test_batch_applies_in_order_and_replays_repeated_keys(session):
    budget = make_account(session, AccountKind.BUDGET)
    household = make_account(session)
    issuing = issuing_account(session, Unit.POINTS)
    session.commit()
    batch = [
        posting(issuing, budget, 40, key="fund-b"),  # funds the budget first...
        posting(budget, household, 40, key="award-b"),  # ...so this may spend it
        posting(issuing, budget, 40, key="fund-b"),  # the same key again: a replay
    ]
    ids = run_in_transaction(session, lambda: post_many(session, batch))
    assert ids[0] == ids[2] and len(set(ids)) == 2
    session.refresh(household)
    assert household.balance == 40


@pytest.mark.parametrize(
    "amount", [0, -5, 1.5, True, "10"], ids=["zero", "negative", "float", "bool", "string"]
)
def test_amount_must_be_a_positive_integer(session, amount):
    a, b = make_account(session), make_account(session)
    with pytest.raises(InvalidPosting):
        run_in_transaction(session, lambda: post(session, posting(a, b, amount)))


@pytest.mark.parametrize(
    "fields",
    [dict(key=""), dict(key="x" * 201), dict(actor=""), dict(reason=""), dict(kind="gift")],
    ids=["empty-key", "long-key", "no-actor", "no-reason", "unknown-kind"],
)
def test_malformed_postings_are_refused(session, fields):
    a, b = make_account(session), make_account(session)
    with pytest.raises(InvalidPosting):
        run_in_transaction(session, lambda: post(session, posting(a, b, 1, **fields)))


def test_same_account_on_both_sides_is_refused(session):
    a = make_account(session)
    with pytest.raises(InvalidPosting):
        run_in_transaction(session, lambda: post(session, posting(a, a, 1)))


def test_points_never_turn_into_minutes(session):
    household = make_account(session)
    person = make_account(session, AccountKind.PERSON_HOURS)
    fund(session, household, 10)
    with pytest.raises(UnitMismatch):
        run_in_transaction(session, lambda: post(session, posting(household, person, 5)))


def test_unknown_account_is_refused(session):
    a = make_account(session)

    class Ghost:
        id = 999_999

    with pytest.raises(UnknownAccount):
        run_in_transaction(session, lambda: post(session, posting(a, Ghost, 1)))


def test_time_bank_minutes_have_their_own_issuing_account(session):
    person = make_account(session, AccountKind.PERSON_HOURS)
    fund(session, person, 180)
    assert issuing_account(session, Unit.MINUTES).balance == -180
    assert reconcile(session).totals_by_unit == {"minutes": 0}


def test_posting_outside_a_transaction_is_refused(session):
    a, b = make_account(session), make_account(session)
    with pytest.raises(RuntimeError, match="run_in_transaction"):
        post(session, posting(a, b, 1))


def test_chain_links_every_entry_to_the_previous_one(session):
    household = make_account(session)
    first = fund(session, household, 1)
    second = fund(session, household, 2)
    assert second.prev_hash == first.hash
    assert second.id == first.id + 1
    report = verify_chain(session)
    assert report.ok and report.count == second.id and report.head_hash == second.hash
