"""Plain functions that make test data with sensible defaults. Points only through the ledger."""

import itertools

from sqlalchemy.orm import Session

from ledger import AccountKind, EntryKind, Posting, issuing_account, open_account, post
from ledger.kinds import Unit
from ledger.transaction import run_in_transaction

_seq = itertools.count(1)


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{next(_seq)}"


def make_account(session: Session, kind=AccountKind.HOUSEHOLD, owner: str | None = None):
    """A new account, committed."""
    return run_in_transaction(session, lambda: open_account(session, kind, owner or unique(kind)))


def fund(session: Session, account, amount: int, *, key: str | None = None):
    """Issue ``amount`` into ``account`` from the system issuing account of its unit; committed."""

    def work():
        source = issuing_account(session, Unit(account.unit))
        return post(
            session,
            Posting(
                key=key or unique("fund"),
                from_account_id=source.id,
                to_account_id=account.id,
                amount=amount,
                kind=EntryKind.EARN,
                actor="test",
                reason="测试发放",
            ),
        )

    return run_in_transaction(session, work)


def spend(session: Session, account, to_account, amount: int, *, key: str | None = None):
    """Move ``amount`` from ``account`` to ``to_account`` as a redemption; committed."""
    return run_in_transaction(
        session,
        lambda: post(
            session,
            Posting(
                key=key or unique("spend"),
                from_account_id=account.id,
                to_account_id=to_account.id,
                amount=amount,
                kind=EntryKind.REDEEM,
                actor="test",
                reason="测试兑换",
            ),
        ),
    )


# --- people and places -------------------------------------------------------------------------

PASSWORD = "secret123"


def make_region(session: Session, name: str, level, parent=None):
    from incentives.places.services import add_region

    return run_in_transaction(session, lambda: add_region(session, name, level, parent))


def make_household(session: Session, village, head_name: str = "张建国", *, grid=None, phone=None,
                   members=()):
    """A household with its head (and optional members), committed."""
    from incentives.places.services import add_person, create_household

    def work():
        household = create_household(session, village, unique("h"), head_name, grid=grid)
        add_person(session, household, head_name, is_head=True, phone=phone)
        for name in members:
            add_person(session, household, name)
        return household

    return run_in_transaction(session, work)


def make_user(session: Session, role=None, region=None, *, person=None, phone=None,
              password: str = PASSWORD):
    """A user (with ``role`` granted on ``region`` when given), committed."""
    from incentives.auth.services import create_user, grant_role

    phone = phone or f"139{next(_seq):08d}"

    def work():
        user, _ = create_user(session, phone, unique("user"), password, person=person)
        if role is not None:
            grant_role(session, user, role, region)
        return user

    return run_in_transaction(session, work)
