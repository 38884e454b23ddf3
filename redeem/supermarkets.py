"""Supermarkets: opening one with its ledger account, and the villages it serves."""

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger import AccountKind, open_account
from redeem.errors import DuplicateName, InvalidInput, UnknownSupermarket
from redeem.models import ServedVillage, Supermarket, is_valid_id


def create_supermarket(
    session: Session, region_id: int, name: str, village_ids: Iterable[int]
) -> Supermarket:
    """Open supermarket ``name`` belonging to region ``region_id`` (a village or township: the
    caller checks the level), serving ``village_ids``, with its own ledger account of kind
    ``supermarket``. Raises :class:`InvalidInput` or :class:`DuplicateName`. Flushes, never commits.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("supermarket name", field="name")
    taken = session.execute(
        select(Supermarket.id).where(Supermarket.region_id == region_id, Supermarket.name == name)
    ).first()
    if taken:
        raise DuplicateName(name=name)
    # The owner is an opaque reference of fixed length: a name of 100 characters would not fit the
    # ledger's 64, and nothing looks a supermarket's account up by owner (it is supermarket.account_id).
    owner = f"supermarket:{uuid.uuid4().hex}"
    account = open_account(session, AccountKind.SUPERMARKET, owner, name)
    supermarket = Supermarket(region_id=region_id, name=name, account_id=account.id)
    try:
        # A savepoint: on PostgreSQL another transaction may have taken the name since the check.
        with session.begin_nested():
            session.add(supermarket)
            session.flush()
    except IntegrityError:
        raise DuplicateName(name=name) from None
    set_served_villages(session, supermarket, village_ids)
    return supermarket


def set_served_villages(session: Session, supermarket: Supermarket, village_ids: Iterable[int]) -> None:
    """Replace the list of villages whose households may redeem at ``supermarket``."""
    wanted = sorted(set(village_ids))
    if not wanted:
        raise InvalidInput("a supermarket serves at least one village", field="villages")
    supermarket.served = [ServedVillage(supermarket_id=supermarket.id, village_id=v) for v in wanted]
    session.flush()


def get_supermarket(session: Session, supermarket_id) -> Supermarket:
    """The supermarket with this id; :class:`UnknownSupermarket` if there is none."""
    supermarket = None
    if is_valid_id(supermarket_id):
        supermarket = session.get(Supermarket, supermarket_id)
    if supermarket is None:
        raise UnknownSupermarket(str(supermarket_id))
    return supermarket
