"""Finding households for staff, and issuing login slips to their members."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from incentives.auth.models import User
from incentives.auth.roles import Role
from incentives.auth.services import AuthError, create_user, grant_role, reset_password
from incentives.places.models import Household, Level, Person, Region
from ledger.models import Account

PAGE_SIZE = 30


def households_in(
    session: Session, region: Region, *, query: str = "", page: int = 1
) -> list[tuple[Household, int]]:
    """Households in ``region``'s subtree with their balances, by village and number."""
    villages = select(Region.id).where(
        Region.path.startswith(region.path), Region.level == Level.VILLAGE.value
    )
    stmt = (
        select(Household, Account.balance)
        .join(Account, Account.id == Household.account_id)
        .options(joinedload(Household.village), joinedload(Household.grid))
        .where(Household.village_id.in_(villages))
        .order_by(Household.village_id, Household.number)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    if region.level == Level.GRID:
        stmt = stmt.where(Household.grid_id == region.id)
    if query:
        stmt = stmt.where(Household.head_name.contains(query.strip()))
    return [(household, points) for household, points in session.execute(stmt)]


def issue_login_slip(session: Session, person: Person, actor: str) -> tuple[User, str]:
    """A fresh one-time password for ``person``: their account is created from the roster phone
    if they have none. Returns the user and the password to print; it is not stored in clear."""
    user = session.execute(select(User).where(User.person_id == person.id)).scalar_one_or_none()
    if user is None:
        if not person.phone:
            raise AuthError(_l("该村民没有登记手机号，请先在花名册中补上"))
        user, password = create_user(session, person.phone, person.name, person=person)
        grant_role(session, user, Role.VILLAGER, person.household.village, by=actor)
        return user, password
    return user, reset_password(session, user)
