"""Running an event: create it, check people in and out, close it, adjust, confirm once.

Every writing function here must run inside ``run_in_transaction``; each locks the event row
first, so check-ins, the capacity count and closing never interleave. Times are naive UTC and
``now`` is always passed in, so the clock is the caller's (and the tests').
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from incentives.auth.models import User
from incentives.awards.services import grant_award, grant_hours
from incentives.events.errors import EventError
from incentives.events.models import Attendance, Event, EventLog, LogAction, Method, Status
from incentives.permissions import Action, can, can_check_in_by_name, is_organiser, may_take_over_event
from incentives.places.models import Level, Person, Region
from incentives.rules.models import Per, Rule
from incentives.rules.services import RuleError, catalogue_for, rule_in_force

# Check-in opens this long before the start: people arrive early to sign in.
CHECK_IN_EARLY = timedelta(minutes=30)
# Check-out stays open this long after the end; minutes still count only inside the window.
CHECK_OUT_LATE = timedelta(minutes=30)
# A second scan this soon after checking in is a double tap or a reload, not leaving.
MIN_STAY = timedelta(minutes=2)
MAX_WINDOW = timedelta(hours=24)
MAX_CAPACITY = 10_000
SOURCE_TYPE = "event_attendance"


@dataclass(frozen=True)
class ScanResult:
    checked_in: bool  # True: this scan checked in; False: it checked out
    attendance: Attendance


@dataclass(frozen=True)
class ConfirmResult:
    posted: bool  # False when the event had already been confirmed: nothing was posted again
    people: int
    minutes: int
    points: int


# --- creating --------------------------------------------------------------------------------


def event_rules(session: Session, village: Region) -> list[Rule]:
    """The rules an event in ``village`` may pay by: per-hour rules in force there that give
    points (not deductions)."""
    return [
        rule for rule in catalogue_for(session, village)
        if rule.current.per == Per.HOUR and rule.current.points > 0
    ]


def create_event(
    session: Session,
    village_id: int,
    organiser_id: int,
    *,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    rule_id: int,
    capacity: int,
    now: datetime,
) -> Event:
    """A new open event in village ``village_id``, organised by user ``organiser_id``, paid by
    the version of rule ``rule_id`` in force in the village now.

    Raises :class:`EventError`: 404 if the organiser may not organise events there, 400 for a
    bad title, window, rule or capacity.
    """
    village = session.get(Region, village_id)
    organiser = session.get(User, organiser_id)
    if village is None or village.level != Level.VILLAGE or organiser is None:
        raise EventError(_l("找不到该村"), 404)
    if not can(organiser, Action.ORGANISE_EVENT, village):
        raise EventError(_l("找不到该村"), 404)
    title, place = (title or "").strip(), (place or "").strip()
    _check_details(title, place, starts_at, ends_at, capacity, now)
    version = _rule_version(session, rule_id, village)
    event = Event(
        village=village, title=title, place=place, starts_at=starts_at, ends_at=ends_at,
        rule_version_id=version.id, capacity=capacity, organiser_id=organiser.id,
        status=Status.OPEN.value, created_at=now,
    )
    session.add(event)
    session.flush()
    _log(session, event, LogAction.CREATE, organiser.id, now)
    return event


def _check_details(title, place, starts_at, ends_at, capacity, now) -> None:
    if not 1 <= len(title) <= 100:
        raise EventError(_l("活动名称必填，最多 100 字"))
    if not 1 <= len(place) <= 100:
        raise EventError(_l("活动地点必填，最多 100 字"))
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise EventError(_l("结束时间必须晚于开始时间"))
    if ends_at - starts_at > MAX_WINDOW:
        raise EventError(_l("一次活动最长 24 小时"))
    if ends_at <= now:
        raise EventError(_l("结束时间已经过去了"))
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise EventError(_l("人数上限应在 1 到 10000 之间"))


def _rule_version(session: Session, rule_id: int, village: Region):
    try:
        rule = rule_in_force(session, rule_id, village)
    except RuleError as exc:
        raise EventError(exc.message) from None
    if rule.current.per != Per.HOUR or rule.current.points <= 0:
        raise EventError(_l("活动只能按小时计分：请选择按小时计的加分细则"))
    return rule.current


# --- checking in and out ---------------------------------------------------------------------


def scan_event_code(session: Session, event_id: int, user_id: int, *, printed: bool,
                    now: datetime) -> ScanResult:
    """The villager ``user_id`` scanned the event's code: the first scan checks in, the next
    checks out. The caller has checked the token (:func:`incentives.events.tokens.check_token`).

    A printed-code scan counts only once the organiser confirms it. Raises :class:`EventError`
    (403 not a villager of the event's village; 409 closed, outside the window, full, already
    checked in or out).
    """
    event = _locked_event(session, event_id)
    user = session.get(User, user_id)
    person = user.person if user is not None else None
    if person is None:
        raise EventError(_l("您的账号还没有关联到村民，不能签到。请联系村委。"), 403)
    method = Method.PRINTED if printed else Method.SCAN
    attendance = _attendance(session, event.id, person.id)
    if attendance is None:
        return ScanResult(True, _check_in(session, event, person, method, user_id, now))
    _check_out(session, event, attendance, method, user_id, now)
    return ScanResult(False, attendance)


def record_by_name(session: Session, event_id: int, person_id: int, actor_id: int, *,
                   check_out: bool, now: datetime) -> Attendance:
    """A grid worker or the organiser checks ``person_id`` in (or out) for someone without a
    phone. Same rules as a scan; 403 unless :func:`can_check_in_by_name` allows it."""
    event = _locked_event(session, event_id)
    person = session.get(Person, person_id)
    actor = session.get(User, actor_id)
    if person is None or actor is None or not can_check_in_by_name(actor, event, person.household):
        raise EventError(_l("您不能为这位村民签到"), 403)
    attendance = _attendance(session, event.id, person.id)
    if not check_out:
        if attendance is not None:
            raise EventError(_l("%(name)s 已经签到了", name=person.name), 409)
        return _check_in(session, event, person, Method.BY_NAME, actor_id, now)
    if attendance is None:
        raise EventError(_l("%(name)s 还没有签到", name=person.name), 409)
    _check_out(session, event, attendance, Method.BY_NAME, actor_id, now)
    return attendance


def _check_in(session, event: Event, person: Person, method: Method, actor_id: int,
              now: datetime) -> Attendance:
    _require_open(event)
    if person.household.village_id != event.village_id:
        raise EventError(_l("本活动只限本村村民签到"), 403)
    if not event.starts_at - CHECK_IN_EARLY <= now <= event.ends_at:
        raise EventError(
            _l("现在不在签到时间内：活动开始前 30 分钟起可以签到，活动结束后不能再签到。"), 409
        )
    taken = session.execute(
        select(func.count(Attendance.id)).where(Attendance.event_id == event.id)
    ).scalar_one()
    if taken >= event.capacity:
        raise EventError(_l("名额已满（%(capacity)s 人），不能再签到", capacity=event.capacity), 409)
    attendance = Attendance(
        event_id=event.id, person_id=person.id, method=method.value, checked_in_at=now,
        checked_in_by_id=actor_id, needs_confirmation=method == Method.PRINTED,
    )
    try:
        # The event lock already serialises check-ins; the UNIQUE pair is the last guard, and a
        # savepoint keeps the transaction usable so the answer is a 409, not a 500.
        with session.begin_nested():
            session.add(attendance)
            session.flush()
    except IntegrityError:
        raise EventError(_l("已签到"), 409) from None
    _log(session, event, LogAction.CHECK_IN, actor_id, now, attendance=attendance, method=method)
    return attendance


def _check_out(session, event: Event, attendance: Attendance, method: Method, actor_id: int,
               now: datetime) -> None:
    _require_open(event)
    if attendance.checked_out_at is not None:
        raise EventError(_l("已经签退过了，本次活动不用再扫"), 409)
    if now - attendance.checked_in_at < MIN_STAY:
        raise EventError(_l("已签到。活动结束离开时再扫一次即可签退。"), 409)
    if now > event.ends_at + CHECK_OUT_LATE:
        raise EventError(_l("签退时间已过：组织者结束活动时会按结束时间为您签退。"), 409)
    attendance.checked_out_at = now
    attendance.checked_out_by_id = actor_id
    if method == Method.PRINTED:
        # A check-out time from the printed code is as unverified as a check-in from it.
        attendance.needs_confirmation = True
        attendance.confirmed_by_id = None
    session.flush()
    _log(session, event, LogAction.CHECK_OUT, actor_id, now, attendance=attendance, method=method)


# --- the organiser's records -----------------------------------------------------------------


def confirm_printed(session: Session, event_id: int, attendance_id: int, actor_id: int,
                    now: datetime) -> Attendance:
    """The organiser vouches for a printed-code check-in, so it counts. Confirming again
    changes nothing. 403 unless the organiser; 409 once the event is confirmed."""
    event = _locked_event(session, event_id)
    _require_organiser(session, event, actor_id)
    if event.status == Status.CONFIRMED:
        raise EventError(_l("活动已确认入账，不能再修改"), 409)
    attendance = _attendance_of(session, event, attendance_id)
    if not attendance.needs_confirmation:
        raise EventError(_l("这条签到不需要确认"), 409)
    if attendance.confirmed_by_id is None:
        attendance.confirmed_by_id = actor_id
        session.flush()
        _log(session, event, LogAction.CONFIRM_PRINTED, actor_id, now, attendance=attendance)
    return attendance


def close_event(session: Session, event_id: int, actor_id: int, now: datetime) -> int:
    """The organiser ends the event: everyone still checked in is checked out at the end of the
    window (or now, if closing early). Returns how many were checked out automatically.
    403 unless the organiser; 409 if not open or not yet started."""
    event = _locked_event(session, event_id)
    _require_organiser(session, event, actor_id)
    _require_open(event)
    if now < event.starts_at:
        raise EventError(_l("活动还没开始，不能结束"), 409)
    end = min(now, event.ends_at)
    still_in = [a for a in _attendances(session, event) if a.checked_out_at is None]
    for attendance in still_in:
        attendance.checked_out_at = max(end, attendance.checked_in_at)
        _log(session, event, LogAction.AUTO_CHECK_OUT, None, now, attendance=attendance)
    event.status = Status.CLOSED.value
    event.closed_at = now
    session.flush()
    _log(session, event, LogAction.CLOSE, actor_id, now)
    return len(still_in)


def take_over_event(session: Session, event_id: int, actor_id: int, now: datetime) -> Event:
    """``actor_id`` becomes the event's organiser (see :func:`may_take_over_event`): they close,
    adjust and certify what was recorded, and the log names whom they took over from.
    403 when not allowed now."""
    event = _locked_event(session, event_id)
    if not may_take_over_event(session.get(User, actor_id), event, now):
        raise EventError(_l("现在不能接手这个活动：组织者仍在任，且活动结束未满 3 天"), 403)
    previous = event.organiser
    event.organiser_id = actor_id
    session.flush()
    _log(session, event, LogAction.TAKE_OVER, actor_id, now, detail=previous.name)
    return event


def adjust_minutes(session: Session, event_id: int, attendance_id: int, actor_id: int, *,
                   minutes: int, reason: str, now: datetime) -> Attendance:
    """The organiser sets the minutes one person gets (forgot to check out, left early), with a
    reason, after closing and before confirming. 400 bad minutes or no reason; 403 unless the
    organiser; 409 in the wrong state."""
    event = _locked_event(session, event_id)
    _require_organiser(session, event, actor_id)
    if event.status == Status.OPEN:
        raise EventError(_l("请先结束活动，再调整时长"), 409)
    if event.status == Status.CONFIRMED:
        raise EventError(_l("活动已确认入账，不能再修改"), 409)
    attendance = _attendance_of(session, event, attendance_id)
    if not isinstance(minutes, int) or not 0 <= minutes <= event.window_minutes:
        raise EventError(
            _l("时长应在 0 到 %(most)s 分钟之间（不超过活动时长）", most=event.window_minutes)
        )
    reason = (reason or "").strip()
    if not 1 <= len(reason) <= 200:
        raise EventError(_l("请写明调整原因，最多 200 字"))
    attendance.adjusted_minutes = minutes
    attendance.adjust_reason = reason
    attendance.adjusted_by_id = actor_id
    session.flush()
    _log(session, event, LogAction.ADJUST, actor_id, now, attendance=attendance, minutes=minutes,
         detail=reason)
    return attendance


def confirm_event(session: Session, event_id: int, actor_id: int, now: datetime) -> ConfirmResult:
    """The organiser certifies the closed event: each counted person's minutes go to their time
    bank and the rule version's points to their household, all in the caller's one transaction.

    Idempotent: on a confirmed event nothing is posted and ``posted`` is False (the postings
    themselves are keyed per attendance too). Printed-code check-ins the organiser did not
    confirm, and zero minutes, earn nothing. 403 unless the organiser; 409 while still open.
    """
    event = _locked_event(session, event_id)
    _require_organiser(session, event, actor_id)
    attendances = _attendances(session, event)
    if event.status == Status.CONFIRMED:
        return _result(attendances, posted=False)
    if event.status != Status.CLOSED:
        raise EventError(_l("请先结束活动，再确认入账"), 409)
    # Household order: concurrent confirmations lock household accounts in the same order.
    for attendance in sorted(attendances, key=lambda a: (a.person.household_id, a.id)):
        if attendance.counts and attendance.minutes > 0:
            _post_attendance(session, event, attendance, actor_id)
    event.status = Status.CONFIRMED.value
    event.confirmed_at = now
    session.flush()
    result = _result(attendances, posted=True)
    _log(session, event, LogAction.CONFIRM, actor_id, now, minutes=result.minutes)
    return result


def _post_attendance(session, event: Event, attendance: Attendance, actor_id: int) -> None:
    minutes, person = attendance.minutes, attendance.person
    actor = f"user:{actor_id}"
    reason = f"志愿服务活动：{event.title}（{_duration(minutes)}）"
    attendance.hours_entry_id = grant_hours(
        session, person, minutes, key=f"event:{event.id}:attendance:{attendance.id}:hours",
        actor=actor, reason=reason,
    )
    award = grant_award(
        session, person.household, event.rule_version, minutes, source_type=SOURCE_TYPE,
        source_id=attendance.id, actor=actor, reason=reason,
    )
    attendance.award_id = award.id
    attendance.posted_minutes = minutes


def _result(attendances: list[Attendance], *, posted: bool) -> ConfirmResult:
    paid = [a for a in attendances if a.posted_minutes]
    points = sum(a.award.points for a in paid if a.award is not None)
    return ConfirmResult(posted, len(paid), sum(a.posted_minutes for a in paid), points)


def _duration(minutes: int) -> str:
    # Ledger reasons are records, kept in the source language whatever the organiser's page shows.
    whole, rest = divmod(minutes, 60)
    return f"{whole}小时{rest}分钟" if rest else f"{whole}小时"


# --- shared steps ----------------------------------------------------------------------------


def _locked_event(session: Session, event_id: int) -> Event:
    event = session.execute(
        select(Event).where(Event.id == event_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if event is None:
        raise EventError(_l("找不到该活动"), 404)
    return event


def _require_open(event: Event) -> None:
    if event.status != Status.OPEN:
        raise EventError(_l("活动已经结束，不能再签到或签退"), 409)


def _require_organiser(session: Session, event: Event, actor_id: int) -> None:
    if not is_organiser(session.get(User, actor_id), event):
        raise EventError(_l("只有本活动的组织者可以这样做"), 403)


def _attendance(session: Session, event_id: int, person_id: int) -> Attendance | None:
    return session.execute(
        select(Attendance).where(Attendance.event_id == event_id, Attendance.person_id == person_id)
    ).scalar_one_or_none()


def _attendances(session: Session, event: Event) -> list[Attendance]:
    # Read afresh under the event lock, not from a collection loaded earlier.
    return list(session.execute(
        select(Attendance).where(Attendance.event_id == event.id).order_by(Attendance.id)
        .options(selectinload(Attendance.person).selectinload(Person.household))
        .execution_options(populate_existing=True)
    ).scalars())


def _attendance_of(session: Session, event: Event, attendance_id: int) -> Attendance:
    attendance = session.get(Attendance, attendance_id)
    if attendance is None or attendance.event_id != event.id:
        raise EventError(_l("找不到这条签到记录"), 404)
    return attendance


def _log(session, event, action: LogAction, actor_id, now, *, attendance=None, method=None,
         minutes=None, detail="") -> None:
    session.add(EventLog(
        event_id=event.id, attendance_id=attendance.id if attendance else None,
        action=action.value, actor_id=actor_id, method=method.value if method else None,
        minutes=minutes, detail=detail[:300], at=now,
    ))
    session.flush()
