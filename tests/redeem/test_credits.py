"""Credits are drawn from a budget, used once before they expire, and otherwise go back."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from incentives.places.models import Level
from ledger import AccountKind, Entry
from ledger.balances import reconcile
from ledger.chain import verify_chain
from ledger.models import Account
from ledger.transaction import run_in_transaction
from redeem.codes import check_symbol, format_credit_code
from redeem.credit_models import Credit, CreditBatch, CreditState
from redeem.credits import (
    BatchKeyReused,
    BudgetTooSmall,
    CreditExpired,
    CreditMalformed,
    CreditMistyped,
    CreditRevoked,
    CreditUsed,
    CreditWrongVillage,
    InvalidBatch,
    NotAHousehold,
    UnknownCredit,
    batch_summary,
    claim_url,
    code_from_input,
    expire_due_credits,
    issue_batch,
    redeem_credit,
    revoke_batch,
    revoke_credit,
)
from tests.factories import fund, make_account, make_household, make_region

NOW = datetime(2026, 11, 29, 2, 0)
EXPIRES_AT = datetime(2026, 12, 31, 16, 0)  # the end of 2026-12-31 in Beijing, in UTC


@pytest.fixture
def place(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    village = make_region(session, "和平村", Level.VILLAGE, township)
    other = make_region(session, "石桥村", Level.VILLAGE, township)
    budget = make_account(session, AccountKind.BUDGET)
    fund(session, budget, 1000)
    return village, other, budget


def issue(session, village, budget, points=20, count=5, **overrides):
    values = dict(budget_account_id=budget.id, region_id=village.id, village_ids=[village.id],
                  name="重阳节敬老", points=points, count=count, expires_on=date(2026, 12, 31),
                  expires_at=EXPIRES_AT, actor="user:committee", now=NOW)
    values |= overrides
    return run_in_transaction(session, lambda: issue_batch(session, **values))


def use(session, code, household, now=NOW, actor="user:clerk"):
    return run_in_transaction(
        session, lambda: redeem_credit(session, code, household.account_id, actor, now)
    )


def balance(session, account_id):
    session.expire_all()
    return session.get(Account, account_id).balance


def codes_of(session, batch):
    return session.execute(
        select(Credit.code).where(Credit.batch_id == batch.id).order_by(Credit.id)
    ).scalars().all()


def test_issuing_draws_the_batch_total_from_the_budget_into_escrow_once(session, place):
    village, _, budget = place
    batch = issue(session, village, budget, points=20, count=5)

    assert balance(session, budget.id) == 900
    assert balance(session, batch.escrow_account_id) == 100
    codes = codes_of(session, batch)
    assert len(codes) == len(set(codes)) == 5
    issued = session.execute(select(Entry).where(Entry.ref_type == "credit_batch")).scalars().all()
    assert [(e.from_account_id, e.to_account_id, e.amount) for e in issued] == [
        (budget.id, batch.escrow_account_id, 100)]
    assert reconcile(session).ok


def test_a_budget_too_small_refuses_the_batch_and_writes_nothing(session, place):
    village, _, budget = place
    with pytest.raises(BudgetTooSmall) as refused:
        issue(session, village, budget, points=300, count=4)
    assert refused.value.params == {"left": 1000, "need": 1200}
    assert session.execute(select(func.count(CreditBatch.id))).scalar_one() == 0
    assert session.execute(select(func.count(Credit.id))).scalar_one() == 0
    assert balance(session, budget.id) == 1000


@pytest.mark.parametrize("overrides, field", [
    ({"points": 0}, "points"), ({"count": 1001}, "count"), ({"name": " "}, "name"),
    ({"expires_at": NOW}, "expires_on"), ({"village_ids": []}, "villages"),
    ({"expires_on": date(9999, 12, 31)}, "expires_on"),
])
def test_values_out_of_range_are_refused(session, place, overrides, field):
    village, _, budget = place
    with pytest.raises(InvalidBatch) as refused:
        issue(session, village, budget, **overrides)
    assert refused.value.params["field"] == field


def test_a_credit_moves_its_points_to_the_household_exactly_once(session, place):
    village, _, budget = place
    batch = issue(session, village, budget, points=20, count=5)
    household, neighbour = make_household(session, village), make_household(session, village, "王秀英")
    code = codes_of(session, batch)[0]

    credit = use(session, format_credit_code(code).lower(), household)

    assert credit.state == CreditState.USED and credit.channel == "counter"
    assert balance(session, household.account_id) == 20
    assert balance(session, batch.escrow_account_id) == 80
    with pytest.raises(CreditUsed):
        use(session, code, household)
    with pytest.raises(CreditUsed):
        use(session, code, neighbour)
    assert balance(session, household.account_id) == 20
    assert balance(session, neighbour.account_id) == 0
    entry = session.get(Entry, credit.entry_id)
    assert (entry.from_account_id, entry.to_account_id, entry.amount) == (
        batch.escrow_account_id, household.account_id, 20)
    assert format_credit_code(code) in entry.reason
    assert reconcile(session).ok


def test_the_scanned_url_works_like_the_typed_code(session, place):
    village, _, budget = place
    code = codes_of(session, issue(session, village, budget))[0]
    assert code_from_input(claim_url("https://jifen.example.org/", code)) == code
    assert code_from_input(claim_url("https://x.org", code).replace("$", "%24")) == code
    with pytest.raises(CreditMalformed):
        code_from_input("https://evil.example.org/other/" + code)
    with pytest.raises(CreditMalformed):  # urlsplit() itself refuses this one
        code_from_input("http://[x/credits/c/" + code)


def test_refusals_say_why(session, place):
    village, other_village, budget = place
    batch = issue(session, village, budget, points=20, count=5)
    household = make_household(session, village)
    outsider = make_household(session, other_village, "李德胜")
    codes = codes_of(session, batch)

    body = codes[0][:-1]
    wrong = "0" if body[3] != "0" else "1"
    with pytest.raises(CreditMistyped):
        use(session, body[:3] + wrong + body[4:] + codes[0][-1], household)
    with pytest.raises(CreditMistyped):  # neighbours swapped
        swapped = next(i for i in range(9) if body[i] != body[i + 1])
        use(session, body[:swapped] + body[swapped + 1] + body[swapped] + body[swapped + 2:]
            + codes[0][-1], household)
    with pytest.raises(CreditMalformed):
        use(session, "hello", household)
    unknown = "0000000000"
    with pytest.raises(UnknownCredit):
        use(session, unknown + check_symbol(unknown), household)
    with pytest.raises(CreditWrongVillage):
        use(session, codes[0], outsider)
    shop = make_account(session, AccountKind.SUPERMARKET)
    with pytest.raises(NotAHousehold):
        run_in_transaction(session, lambda: redeem_credit(session, codes[0], shop.id, "x", NOW))
    with pytest.raises(CreditExpired) as expired:
        use(session, codes[0], household, now=EXPIRES_AT)
    assert expired.value.params == {"expires_on": date(2026, 12, 31)}
    run_in_transaction(session, lambda: revoke_credit(session, _id(session, codes[1]), "user:c", "丢失", NOW))
    with pytest.raises(CreditRevoked):
        use(session, codes[1], household)

    # Nothing of the refusals was written: only the issue and the one revocation.
    assert balance(session, household.account_id) == 0
    assert balance(session, batch.escrow_account_id) == 80
    assert balance(session, budget.id) == 920
    assert reconcile(session).ok


def _id(session, code):
    return session.execute(select(Credit.id).where(Credit.code == code)).scalar_one()


def test_revoking_a_batch_returns_every_unused_credit_in_one_posting(session, place):
    village, _, budget = place
    batch = issue(session, village, budget, points=20, count=5)
    household = make_household(session, village)
    codes = codes_of(session, batch)
    use(session, codes[0], household)
    run_in_transaction(session, lambda: revoke_credit(session, _id(session, codes[1]), "user:c", "丢失", NOW))

    def cancel():
        return run_in_transaction(session, lambda: revoke_batch(session, batch.id, "user:c", "活动取消", NOW))

    withdrawn, again = cancel(), cancel()

    assert (withdrawn, again) == (3, 0)
    assert balance(session, budget.id) == 1000 - 20  # all but the used one came back
    assert balance(session, batch.escrow_account_id) == 0
    assert balance(session, household.account_id) == 20
    with pytest.raises(CreditRevoked):
        use(session, codes[2], household)
    with pytest.raises(CreditUsed):  # a used credit stays used
        run_in_transaction(session, lambda: revoke_credit(session, _id(session, codes[0]), "u", "x", NOW))
    summary = batch_summary(session, session.get(CreditBatch, batch.id))
    assert (summary.issued, summary.used, summary.revoked, summary.outstanding_points) == (0, 1, 4, 0)
    assert reconcile(session).ok


def test_expired_credits_go_back_to_the_budget_once(session, place):
    village, _, budget = place
    batch = issue(session, village, budget, points=20, count=5)
    later = issue(session, village, budget, points=10, count=3, expires_at=EXPIRES_AT + timedelta(days=30))
    household = make_household(session, village)
    codes = codes_of(session, batch)
    use(session, codes[0], household)
    run_in_transaction(session, lambda: revoke_credit(session, _id(session, codes[1]), "user:c", "丢失", NOW))

    before = expire_due_credits_now(session, EXPIRES_AT - timedelta(seconds=1))
    settled = expire_due_credits_now(session, EXPIRES_AT)
    again = expire_due_credits_now(session, EXPIRES_AT + timedelta(days=1))

    assert before == []
    assert [(s.batch_id, s.credits, s.points) for s in settled] == [(batch.id, 3, 60)]
    assert again == []
    assert balance(session, batch.escrow_account_id) == 0
    assert balance(session, budget.id) == 1000 - 100 - 30 + 20 + 60  # the later batch still out
    assert balance(session, later.escrow_account_id) == 30
    states = session.execute(
        select(Credit.state, func.count()).where(Credit.batch_id == batch.id).group_by(Credit.state)
    ).all()
    assert dict(states) == {"used": 1, "revoked": 1, "expired": 3}
    with pytest.raises(CreditExpired):
        use(session, codes[2], household, now=NOW)  # expired by the job: refused whatever the clock
    returned = session.execute(select(Entry).where(Entry.kind == "expire")).scalars().all()
    assert [(e.from_account_id, e.to_account_id, e.amount) for e in returned] == [
        (batch.escrow_account_id, budget.id, 60)]
    assert reconcile(session).ok
    assert verify_chain(session).ok


def expire_due_credits_now(session, now):
    return run_in_transaction(session, lambda: expire_due_credits(session, now))


def test_a_batch_form_submitted_twice_issues_once(session, place):
    village, _, budget = place
    first = issue(session, village, budget, key="form-1")
    again = issue(session, village, budget, key="form-1")
    assert again.id == first.id
    with pytest.raises(BatchKeyReused):
        issue(session, village, budget, key="form-1", count=6)
    assert session.execute(select(func.count(CreditBatch.id))).scalar_one() == 1
    assert balance(session, budget.id) == 1000 - 100


def test_expiry_settles_one_batch_per_transaction(session, place):
    # Settling a second batch in the same transaction would take its credit rows after the first
    # posting took the chain head: the reverse of redeem_credit's order (a deadlock on PostgreSQL).
    village, _, budget = place
    first = issue(session, village, budget, count=2)
    second = issue(session, village, budget, count=3)

    settled = [expire_due_credits_now(session, EXPIRES_AT) for _ in range(3)]

    assert [[s.batch_id for s in run] for run in settled] == [[first.id], [second.id], []]
    assert balance(session, budget.id) == 1000
