"""Supermarkets: opening one with its ledger account, and the villages it serves."""

from collections.abc import Iterable

from sqlalchemy import select
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
    account = open_account(session, AccountKind.SUPERMARKET, f"supermarket:{region_id}:{name}", name)
    supermarket = Supermarket(region_id=region_id, name=name, account_id=account.id)
    session.add(supermarket)
    session.flush()
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


def supermarkets_in(session: Session, region_ids: Iterable[int]) -> list[Supermarket]:
    """Supermarkets belonging to any of ``region_ids``, by name."""
    ids = list(region_ids)
    if not ids:
        return []
    return list(
        session.execute(
            select(Supermarket).where(Supermarket.region_id.in_(ids)).order_by(Supermarket.name)
        ).scalars()
    )


def supermarkets_serving(session: Session, village_id: int) -> list[Supermarket]:
    """Supermarkets where households of ``village_id`` may redeem."""
    return list(
        session.execute(
            select(Supermarket)
            .join(ServedVillage, ServedVillage.supermarket_id == Supermarket.id)
            .where(ServedVillage.village_id == village_id)
            .order_by(Supermarket.name)
        ).scalars()
    )
