"""Opening and finding accounts."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import UnknownAccount
from ledger.kinds import SYSTEM_OWNER, UNIT_OF_KIND, UNLIMITED_KINDS, AccountKind, Unit
from ledger.models import Account


def open_account(session: Session, kind: AccountKind | str, owner: str, name: str = ""):
    """Return the account of ``kind`` owned by ``owner``, creating it if it does not exist.

    ``owner`` is an opaque reference chosen by the caller (``"household:12"``); the ledger
    does not interpret it. The new account is flushed, so its id is known, but not committed.
    """
    kind = AccountKind(kind)
    account = session.execute(
        select(Account).where(Account.kind == kind.value, Account.owner == owner)
    ).scalar_one_or_none()
    if account is None:
        account = Account(
            kind=kind.value,
            owner=owner,
            name=name or f"{kind.value}:{owner}",
            unit=UNIT_OF_KIND[kind].value,
            limited=kind not in UNLIMITED_KINDS,
            balance=0,
        )
        session.add(account)
        session.flush()
    return account


def issuing_account(session: Session, unit: Unit = Unit.POINTS):
    """The system's issuing account for ``unit`` (created on first use)."""
    kind = AccountKind.ISSUING if unit == Unit.POINTS else AccountKind.HOURS_ISSUING
    return open_account(session, kind, SYSTEM_OWNER, name=f"system {unit.value} issuing")


def get_account(session: Session, account_id: int):
    """Return the account with ``account_id``; raise :class:`UnknownAccount` if there is none."""
    account = session.get(Account, account_id)
    if account is None:
        raise UnknownAccount(f"no account {account_id}")
    return account
