"""Building the region tree and the households and persons in it."""

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from incentives.errors import ServiceError
from incentives.places.models import CHILD_LEVEL, Household, HouseholdMove, Level, Person, Region
from ledger import AccountKind, open_account


class PlacesError(ServiceError):
    """A refusal about the region tree, households or persons."""


def add_region(session: Session, name: str, level: Level, parent: Region | None = None) -> Region:
    """Add a node under ``parent`` (a county has none); the level must be the parent's child level."""
    level = Level(level)
    if parent is None and level != Level.COUNTY:
        raise PlacesError(_l("只有县级可以没有上级"))
    if parent is not None and CHILD_LEVEL.get(Level(parent.level)) != level:
        raise PlacesError(_l("层级不对"))
    region = Region(name=name, level=level.value, parent=parent)
    session.add(region)
    session.flush()
    region.path = (parent.path if parent else "/") + f"{region.id}/"
    session.flush()
    return region


def find_or_add_region(session: Session, name: str, level: Level, parent: Region) -> Region:
    found = session.execute(
        select(Region).where(Region.parent_id == parent.id, Region.name == name)
    ).scalar_one_or_none()
    return found or add_region(session, name, level, parent)


def subtree(session: Session, region: Region, level: Level | None = None) -> list[Region]:
    """The nodes under ``region`` (itself included), optionally of one level."""
    stmt = select(Region).where(Region.path.startswith(region.path)).order_by(Region.path)
    if level is not None:
        stmt = stmt.where(Region.level == Level(level).value)
    return list(session.execute(stmt).scalars())


def village_ids_select(region: Region) -> Select:
    """A select of the ids of the villages in ``region``'s subtree (itself, for a village), to
    use as a subquery."""
    return select(Region.id).where(Region.path.startswith(region.path), Region.level == Level.VILLAGE.value)


def create_household(
    session: Session,
    village: Region,
    number: str,
    head_name: str,
    *,
    grid: Region | None = None,
    address: str = "",
) -> Household:
    """A household with its ledger points account. Its head is added with :func:`add_person`."""
    if village.level != Level.VILLAGE:
        raise PlacesError(_l("户必须属于村或社区"))
    if grid is not None and grid.parent_id != village.id:
        raise PlacesError(_l("网格不属于该村"))
    account = open_account(
        session, AccountKind.HOUSEHOLD, f"household:{village.id}:{number}", f"{village.name} {head_name}家"
    )
    household = Household(
        village=village, grid=grid, number=number, head_name=head_name, address=address,
        account_id=account.id,
    )
    session.add(household)
    session.flush()
    return household


def add_person(
    session: Session,
    household: Household,
    name: str,
    *,
    is_head: bool = False,
    phone: str | None = None,
    id_hash: str | None = None,
    id_last4: str | None = None,
) -> Person:
    """A person in ``household`` with their own time-bank account (minutes)."""
    account = open_account(session, AccountKind.PERSON_HOURS, f"person:{uuid.uuid4().hex}", name)
    person = Person(
        household=household, name=name, is_head=is_head, phone=phone, id_hash=id_hash,
        id_last4=id_last4, hours_account_id=account.id,
    )
    session.add(person)
    session.flush()
    return person


def move_person(session: Session, person: Person, to: Household, actor: str) -> HouseholdMove:
    """Move a person to another household, in any village. Their time-bank account and its
    history go with them; points stay with the household that earned them."""
    if person.household_id == to.id:
        raise PlacesError(_l("已经在该户"))
    move = HouseholdMove(
        person_id=person.id, from_household_id=person.household_id, to_household_id=to.id,
        actor=actor,
    )
    person.household = to
    person.is_head = False
    session.add(move)
    session.flush()
    return move
