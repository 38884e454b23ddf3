"""Corrections are mirror entries that point at the original, once, with who and why."""

import pytest

from ledger import (
    AccountKind,
    AlreadyReversed,
    InsufficientBalance,
    NotReversible,
    reverse,
)
from ledger.balances import reconcile
from ledger.errors import UnknownEntry
from ledger.transaction import run_in_transaction
from tests.factories import fund, make_account, spend


def do_reverse(session, entry_id, key="rev-1", reason="录入错误"):
    return run_in_transaction(
        session,
        lambda: reverse(session, entry_id, key=key, actor="user:committee", reason=reason),
    )


def test_reversal_restores_balances_and_points_at_the_original(session):
    household = make_account(session)
    wrong = fund(session, household, 40)

    correction = do_reverse(session, wrong.id, reason="重复登记")

    assert correction.reverses_id == wrong.id
    assert (correction.kind, correction.actor, correction.reason) == (
        "reverse", "user:committee", "重复登记")
    assert (correction.from_account_id, correction.to_account_id) == (
        wrong.to_account_id, wrong.from_account_id)
    session.refresh(household)
    assert household.balance == 0
    assert reconcile(session).ok


def test_an_entry_is_reversed_once(session):
    household = make_account(session)
    wrong = fund(session, household, 40)
    fund(session, household, 100)
    first = do_reverse(session, wrong.id, key="rev-a")

    assert do_reverse(session, wrong.id, key="rev-a").id == first.id  # a replay, not a second
    with pytest.raises(AlreadyReversed) as refused:
        do_reverse(session, wrong.id, key="rev-b")
    assert refused.value.reversal_id == first.id
    session.refresh(household)
    assert household.balance == 100


def test_a_reversal_is_not_reversed_again(session):
    household = make_account(session)
    correction = do_reverse(session, fund(session, household, 5).id)
    with pytest.raises(NotReversible):
        do_reverse(session, correction.id, key="rev-2")


def test_reversing_points_already_spent_is_refused(session):
    household = make_account(session)
    shop = make_account(session, AccountKind.SUPERMARKET)
    earned = fund(session, household, 30)
    spend(session, household, shop, 20)

    with pytest.raises(InsufficientBalance):
        do_reverse(session, earned.id)
    session.refresh(household)
    assert household.balance == 10


def test_reversing_an_unknown_entry(session):
    with pytest.raises(UnknownEntry):
        do_reverse(session, 12345)
