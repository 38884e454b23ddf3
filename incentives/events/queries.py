"""What the event pages read: the events a user may see, villages to organise in, people to
check in by name, and the record of who recorded what. Nothing here writes."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from incentives.events.models import Attendance, Event, EventLog
from incentives.permissions import Action, can_check_in_by_name, can_view_event, regions_for
from incentives.places.models import Household, Level, Person, Region


def visible_events(session: Session, user, *, limit: int = 50) -> list[Event]:
    """The events ``user`` may see as staff, latest first."""
    conditions = [Region.path.startswith(r.path) for r in regions_for(user, Action.ORGANISE_EVENT)]
    for region in regions_for(user, Action.RECORD_ATTENDANCE):
        # A grid worker's grid lies inside the village: its events are theirs too.
        conditions.append(Region.path.startswith(region.path))
        if region.level == Level.GRID:
            conditions.append(Region.id == region.parent_id)
    if not conditions:
        return []
    events = session.execute(
        select(Event).join(Region, Region.id == Event.village_id).where(or_(*conditions))
        .options(joinedload(Event.village)).order_by(Event.starts_at.desc()).limit(limit)
    ).scalars().all()
    return [e for e in events if can_view_event(user, e)]


def villages_to_organise(session: Session, user, *, query: str = "", limit: int = 50) -> list[Region]:
    """Villages in which ``user`` may create events, optionally by part of the name."""
    paths = [r.path for r in regions_for(user, Action.ORGANISE_EVENT)]
    if not paths:
        return []
    stmt = select(Region).where(
        Region.level == Level.VILLAGE.value, or_(*[Region.path.startswith(p) for p in paths])
    )
    if query:
        stmt = stmt.where(Region.name.contains(query))
    return list(session.execute(stmt.order_by(Region.path).limit(limit)).scalars())


def people_to_check_in(session: Session, event: Event, user, *, query: str = "",
                       limit: int = 30) -> list[tuple[Person, Attendance | None]]:
    """Persons of the event's village ``user`` may check in by name, with their attendance."""
    stmt = (
        select(Person).join(Household, Household.id == Person.household_id)
        .where(Household.village_id == event.village_id)
        .options(joinedload(Person.household)).order_by(Household.number, Person.id)
    )
    if query:
        stmt = stmt.where(Person.name.contains(query))
    people = [
        p for p in session.execute(stmt.limit(limit * 10)).scalars()
        if can_check_in_by_name(user, event, p.household)
    ][:limit]
    attendances = {
        a.person_id: a for a in session.execute(
            select(Attendance).where(
                Attendance.event_id == event.id, Attendance.person_id.in_([p.id for p in people])
            )
        ).scalars()
    }
    return [(p, attendances.get(p.id)) for p in people]


def attendances_of(session: Session, event_id: int) -> list[Attendance]:
    """The event's attendances in check-in order, with everything the event page shows loaded in
    a few queries (not several per person: an event may have hundreds)."""
    return list(session.execute(
        select(Attendance).where(Attendance.event_id == event_id).order_by(Attendance.id)
        .options(
            selectinload(Attendance.person).selectinload(Person.household),
            selectinload(Attendance.checked_in_by),
            selectinload(Attendance.checked_out_by),
            selectinload(Attendance.confirmed_by),
            selectinload(Attendance.adjusted_by),
            selectinload(Attendance.award),
        )
    ).scalars())


def headcount(session: Session, event_id: int) -> int:
    """How many have checked in (printed-code check-ins awaiting confirmation included)."""
    return session.execute(
        select(func.count(Attendance.id)).where(Attendance.event_id == event_id)
    ).scalar_one()


def attendance_for(session: Session, event_id: int, person_id: int) -> Attendance | None:
    """``person_id``'s attendance at the event, if any."""
    return session.execute(
        select(Attendance).where(Attendance.event_id == event_id, Attendance.person_id == person_id)
    ).scalar_one_or_none()


def event_log(session: Session, event_id: int) -> list[EventLog]:
    """Every record made about the event, oldest first: who recorded what."""
    return list(session.execute(
        select(EventLog).where(EventLog.event_id == event_id)
        .options(joinedload(EventLog.actor), joinedload(EventLog.attendance).joinedload(Attendance.person))
        .order_by(EventLog.id)
    ).scalars())
