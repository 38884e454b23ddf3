"""Reading balances in O(1) and proving the cached balances equal the entries."""

from dataclasses import dataclass

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from ledger.accounts import get_account
from ledger.models import Account, Entry


def balance_of(session: Session, account_id: int) -> int:
    """The account's balance, read from its running total (one row, no scan of entries)."""
    return get_account(session, account_id).balance


def computed_balance(session: Session, account_id: int) -> int:
    """The account's balance recomputed from its entries (for checks, not for pages)."""
    received = select(func.coalesce(func.sum(Entry.amount), 0)).where(
        Entry.to_account_id == account_id
    )
    sent = select(func.coalesce(func.sum(Entry.amount), 0)).where(
        Entry.from_account_id == account_id
    )
    return session.execute(received).scalar_one() - session.execute(sent).scalar_one()


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    cached: int
    computed: int


@dataclass(frozen=True)
class Reconciliation:
    accounts: int
    mismatches: list[Mismatch]
    totals_by_unit: dict[str, int]  # every unit must sum to zero: double entry

    @property
    def ok(self) -> bool:
        return not self.mismatches and all(total == 0 for total in self.totals_by_unit.values())


def reconcile(session: Session) -> Reconciliation:
    """Recompute every account's balance from the entries in two aggregate queries and compare
    it with the cached balance; also check that each unit's balances sum to zero."""
    movements = union_all(
        select(Entry.to_account_id.label("account_id"), Entry.amount.label("delta")),
        select(Entry.from_account_id.label("account_id"), (literal(0) - Entry.amount)),
    ).subquery()
    sums = (
        select(movements.c.account_id, func.sum(movements.c.delta).label("total"))
        .group_by(movements.c.account_id)
        .subquery()
    )
    rows = session.execute(
        select(Account.id, Account.unit, Account.balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.account_id == Account.id)
        .order_by(Account.id)
    ).all()
    mismatches = [Mismatch(i, cached, int(total)) for i, _, cached, total in rows if cached != total]
    totals: dict[str, int] = {}
    for _, unit, cached, _ in rows:
        totals[unit] = totals.get(unit, 0) + cached
    return Reconciliation(len(rows), mismatches, totals)
