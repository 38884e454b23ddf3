"""An event's life as stories: created by staff of its village, villagers scanning in and out,
the printed code and the no-phone check-in, closing, adjusting and confirming exactly once.
Every refusal is a 4xx with a Chinese message and leaves nothing written."""

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from incentives.awards.models import Award
from incentives.events import services
from incentives.events.errors import EventError
from incentives.events.models import Attendance, Event, EventLog, Status
from incentives.rules.services import points_for, revise_rule
from ledger.balances import balance_of, computed_balance
from ledger.models import Entry
from ledger.transaction import run_in_transaction
from tests.factories import make_user
from tests.incentives.events.conftest import HOUR, MINUTE, NOW, act, make_event


def scan(session, event, user, at, *, printed=False):
    return act(session, services.scan_event_code, event.id, user.id, printed=printed, now=at)


def by_name(session, event, person, actor, at, *, check_out=False):
    return act(session, services.record_by_name, event.id, person.id, actor.id,
               check_out=check_out, now=at)


@contextmanager
def refused(status: int, match: str | None = None):
    """A refusal with this status and, optionally, this much of its Chinese message."""
    with pytest.raises(EventError, match=match) as info:
        yield info
    assert info.value.status == status, (info.value.status, str(info.value.message))


def count(session, model, **where):
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return session.execute(stmt).scalar_one()


def balances(session, account_id) -> int:
    session.expire_all()
    cached = balance_of(session, account_id)
    assert cached == computed_balance(session, account_id)
    return cached


def attendance(session, event, person) -> Attendance:
    session.expire_all()
    return session.execute(
        select(Attendance).where(Attendance.event_id == event.id, Attendance.person_id == person.id)
    ).scalar_one()


# --- creating ----------------------------------------------------------------------------------


def test_village_staff_create_an_event_paid_by_the_rule_version_in_force(session, world):
    event = make_event(session, world)

    assert event.status == Status.OPEN
    assert event.village_id == world.regions.v1.id and event.organiser_id == world.users.organiser.id
    assert event.rule_version_id == world.rules.volunteer.current.id
    assert (event.title, event.place, event.capacity) == ("周六河道清理", "村口河道", 20)
    log = session.execute(select(EventLog).where(EventLog.event_id == event.id)).scalars().all()
    assert [(line.action, line.actor_id) for line in log] == [("create", world.users.organiser.id)]


@pytest.mark.parametrize("who", ["grid_worker_on_village", "youth_league", "colleague"])
def test_other_organising_roles_may_create_events_in_villages_they_cover(session, world, who):
    from incentives.auth.roles import Role

    users = {
        "grid_worker_on_village": lambda: make_user(session, Role.GRID_WORKER, world.regions.v1),
        "youth_league": lambda: world.users.youth_league,
        "colleague": lambda: world.users.colleague,
    }
    assert make_event(session, world, organiser=users[who]()).organiser_id is not None


@pytest.mark.parametrize("who", ["other_committee", "villager", "clerk", "grid_worker"])
def test_staff_of_another_village_and_non_organisers_cannot_create_events(session, world, who):
    # The grid worker's role sits on a grid: it does not cover the whole village.
    with refused(404):
        make_event(session, world, organiser=getattr(world.users, who))
    assert count(session, Event) == 0


@pytest.mark.parametrize(
    "details, message",
    [
        ({"title": "  "}, "活动名称必填"),
        ({"title": "河" * 101}, "最多 100 字"),
        ({"place": ""}, "活动地点必填"),
        ({"ends_at": NOW}, "结束时间必须晚于开始时间"),
        ({"ends_at": NOW - HOUR}, "结束时间必须晚于开始时间"),
        ({"ends_at": NOW + 25 * HOUR}, "最长 24 小时"),
        ({"starts_at": NOW - 5 * HOUR, "ends_at": NOW - 2 * HOUR}, "结束时间已经过去了"),
        ({"capacity": 0}, "人数上限"),
        ({"capacity": 10_001}, "人数上限"),
        ({"rule_id": 999_999}, "这条细则在本村不适用"),
    ],
)
def test_bad_event_details_are_refused_with_a_reason(session, world, details, message):
    with pytest.raises(EventError, match=message) as info:
        make_event(session, world, **details)
    assert info.value.status == 400
    assert count(session, Event) == 0 and count(session, EventLog) == 0


def test_an_event_pays_only_by_an_hourly_earning_rule_of_its_own_village(session, world):
    for rule in (world.rules.tidy, world.rules.litter):  # per occurrence; a deduction
        with pytest.raises(EventError, match="按小时") as info:
            make_event(session, world, rule_id=rule.id)
        assert info.value.status == 400
    with refused(400, "这条细则在本村不适用"):
        make_event(session, world, rule_id=world.rules.v2_patrol.id)  # 东风社区's own rule
    assert [r.id for r in services.event_rules(session, world.regions.v1)] == [world.rules.volunteer.id]


# --- scanning in and out -----------------------------------------------------------------------


def test_first_scan_checks_in_the_next_checks_out(session, world):
    event = make_event(session, world)

    first = scan(session, event, world.users.villager, NOW + 5 * MINUTE)
    assert first.checked_in
    second = scan(session, event, world.users.villager, NOW + 2 * HOUR + 5 * MINUTE)
    assert not second.checked_in

    a = attendance(session, event, world.people.zhang)
    assert (a.checked_in_at, a.checked_out_at) == (NOW + 5 * MINUTE, NOW + 2 * HOUR + 5 * MINUTE)
    assert a.method == "scan" and a.checked_in_by_id == world.users.villager.id
    assert a.minutes == 120 and a.counts
    log = session.execute(
        select(EventLog.action, EventLog.actor_id, EventLog.method).where(EventLog.event_id == event.id)
        .order_by(EventLog.id)
    ).all()
    assert log[1:] == [("check_in", world.users.villager.id, "scan"),
                       ("check_out", world.users.villager.id, "scan")]


def test_minutes_count_only_inside_the_window(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW - 20 * MINUTE)  # early: allowed, not counted
    scan(session, event, world.users.villager, NOW + 3 * HOUR + 10 * MINUTE)  # late check-out
    assert attendance(session, event, world.people.zhang).minutes == 180


@pytest.mark.parametrize(
    "at, allowed",
    [
        (NOW - 31 * MINUTE, False),
        (NOW - 30 * MINUTE, True),  # the margin before the start
        (NOW + 3 * HOUR, True),  # the last moment of the window
        (NOW + 3 * HOUR + MINUTE, False),
    ],
)
def test_checking_in_outside_the_window_is_refused(session, world, at, allowed):
    event = make_event(session, world)
    if allowed:
        assert scan(session, event, world.users.villager, at).checked_in
        return
    with refused(409, "不在签到时间内"):
        scan(session, event, world.users.villager, at)
    assert count(session, Attendance) == 0


def test_checking_out_long_after_the_end_is_refused(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    with refused(409, "签退时间已过"):
        scan(session, event, world.users.villager, NOW + 3 * HOUR + 31 * MINUTE)
    assert attendance(session, event, world.people.zhang).checked_out_at is None


def test_a_quick_second_scan_is_a_double_tap_not_leaving(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    with refused(409, "已签到"):
        scan(session, event, world.users.villager, NOW + MINUTE)
    assert attendance(session, event, world.people.zhang).checked_out_at is None


def test_scanning_after_checking_out_changes_nothing(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    scan(session, event, world.users.villager, NOW + HOUR)
    with refused(409, "已经签退过了"):
        scan(session, event, world.users.villager, NOW + 2 * HOUR)
    assert attendance(session, event, world.people.zhang).checked_out_at == NOW + HOUR
    assert count(session, Attendance) == 1


def test_capacity_is_enforced(session, world):
    event = make_event(session, world, capacity=2)
    scan(session, event, world.users.villager, NOW)
    scan(session, event, world.users.son, NOW)
    with refused(409, r"名额已满（2 人）"):
        scan(session, event, world.users.neighbour, NOW)
    with refused(409, "名额已满"):
        by_name(session, event, world.people.grandma, world.users.organiser, NOW)
    assert count(session, Attendance, event_id=event.id) == 2
    # Those already in may still check out.
    assert not scan(session, event, world.users.son, NOW + HOUR).checked_in


def test_only_villagers_of_the_events_village_check_in(session, world):
    event = make_event(session, world)
    with refused(403, "只限本村村民"):
        scan(session, event, world.users.outsider, NOW)
    with refused(403, "还没有关联到村民"):
        scan(session, event, world.users.organiser, NOW)  # a staff account without a person
    assert count(session, Attendance) == 0


def test_nobody_checks_in_or_out_once_the_event_is_closed(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    act(session, services.close_event, event.id, world.users.organiser.id, NOW + HOUR)
    with refused(409, "活动已经结束"):
        scan(session, event, world.users.son, NOW + HOUR + MINUTE)
    with refused(409, "活动已经结束"):
        scan(session, event, world.users.villager, NOW + HOUR + MINUTE)
    with refused(404, "找不到该活动"):
        act(session, services.scan_event_code, 999_999, world.users.villager.id, printed=False, now=NOW)


def test_a_racing_duplicate_check_in_is_a_409_not_a_500(session, world, monkeypatch):
    # Two scans that both missed each other's row (the lock normally prevents it): the UNIQUE
    # pair refuses the second, and the savepoint leaves the transaction usable.
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    monkeypatch.setattr(services, "_attendance", lambda *args: None)
    with refused(409, "已签到"):
        scan(session, event, world.users.villager, NOW + 5 * MINUTE)
    assert count(session, Attendance) == 1
    assert scan(session, event, world.users.son, NOW + 5 * MINUTE).checked_in  # the session works


# --- the printed code --------------------------------------------------------------------------


def test_printed_code_check_ins_count_only_once_the_organiser_confirms(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW, printed=True)
    scan(session, event, world.users.villager, NOW + 2 * HOUR, printed=True)
    scan(session, event, world.users.neighbour, NOW, printed=True)
    scan(session, event, world.users.neighbour, NOW + HOUR, printed=True)
    unconfirmed = attendance(session, event, world.people.li)
    assert unconfirmed.needs_confirmation and not unconfirmed.counts

    confirmed = attendance(session, event, world.people.zhang)
    with refused(403, "只有本活动的组织者"):
        act(session, services.confirm_printed, event.id, confirmed.id, world.users.colleague.id, NOW)
    act(session, services.confirm_printed, event.id, confirmed.id, world.users.organiser.id, NOW)
    act(session, services.confirm_printed, event.id, confirmed.id, world.users.organiser.id, NOW)
    assert attendance(session, event, world.people.zhang).confirmed_by_id == world.users.organiser.id
    assert count(session, EventLog, event_id=event.id, action="confirm_printed") == 1

    act(session, services.close_event, event.id, world.users.organiser.id, NOW + 3 * HOUR)
    act(session, services.confirm_event, event.id, world.users.organiser.id, NOW + 3 * HOUR)

    assert balances(session, world.households.h1.account_id) == 12  # 2 hours at 6 per hour
    assert balances(session, world.households.h1b.account_id) == 0  # never confirmed: nothing
    assert balances(session, world.people.li.hours_account_id) == 0


def test_a_printed_check_out_needs_confirmation_too(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    scan(session, event, world.users.villager, NOW + HOUR, printed=True)
    assert not attendance(session, event, world.people.zhang).counts


def test_a_screen_check_in_needs_no_confirmation(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    a = attendance(session, event, world.people.zhang)
    with refused(409, "不需要确认"):
        act(session, services.confirm_printed, event.id, a.id, world.users.organiser.id, NOW)


# --- checking in by name -----------------------------------------------------------------------


def test_a_grid_worker_checks_in_people_of_their_grid_without_phones(session, world):
    event = make_event(session, world)
    a = by_name(session, event, world.people.grandma, world.users.grid_worker, NOW + 10 * MINUTE)
    assert (a.method, a.checked_in_by_id, a.needs_confirmation) == (
        "by_name", world.users.grid_worker.id, False
    )
    by_name(session, event, world.people.grandma, world.users.grid_worker, NOW + 2 * HOUR,
            check_out=True)
    assert attendance(session, event, world.people.grandma).minutes == 110
    log = session.execute(
        select(EventLog.action, EventLog.actor_id, EventLog.method)
        .where(EventLog.attendance_id == a.id).order_by(EventLog.id)
    ).all()
    assert log == [("check_in", world.users.grid_worker.id, "by_name"),
                   ("check_out", world.users.grid_worker.id, "by_name")]


def test_who_may_check_in_whom_by_name(session, world):
    event = make_event(session, world)
    for actor, person in (
        (world.users.grid_worker, world.people.li),  # another grid of the village
        (world.users.other_committee, world.people.grandma),  # another village's committee
        (world.users.clerk, world.people.grandma),
        (world.users.villager, world.people.zhang_ming),
        (world.users.organiser, world.people.wang),  # not a villager of the event's village
    ):
        with refused(403, "您不能为这位村民签到"):
            by_name(session, event, person, actor, NOW)
    # The organiser checks in anyone of the village; a committee member of the village too.
    by_name(session, event, world.people.li, world.users.organiser, NOW)
    by_name(session, event, world.people.grandma, world.users.colleague, NOW)
    assert count(session, Attendance) == 2


def test_by_name_says_what_is_already_done(session, world):
    event = make_event(session, world)
    with refused(409, "张奶奶 还没有签到"):
        by_name(session, event, world.people.grandma, world.users.organiser, NOW, check_out=True)
    by_name(session, event, world.people.grandma, world.users.organiser, NOW)
    with refused(409, "张奶奶 已经签到了"):
        by_name(session, event, world.people.grandma, world.users.grid_worker, NOW + MINUTE)
    with refused(409, "不在签到时间内"):
        by_name(session, event, world.people.zhang_ming, world.users.organiser, NOW + 4 * HOUR)


# --- closing, adjusting, confirming ------------------------------------------------------------


def test_closing_checks_everyone_out_at_the_end_of_the_window(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW + 30 * MINUTE)
    by_name(session, event, world.people.grandma, world.users.grid_worker, NOW)
    scan(session, event, world.users.son, NOW)
    scan(session, event, world.users.son, NOW + HOUR)

    assert act(session, services.close_event, event.id, world.users.organiser.id,
               NOW + 5 * HOUR) == 2
    session.expire_all()
    assert session.get(Event, event.id).status == Status.CLOSED
    zhang = attendance(session, event, world.people.zhang)
    assert zhang.checked_out_at == NOW + 3 * HOUR and zhang.checked_out_by_id is None
    assert zhang.minutes == 150
    assert attendance(session, event, world.people.grandma).minutes == 180
    assert attendance(session, event, world.people.zhang_ming).minutes == 60  # left on their own
    actions = session.execute(
        select(EventLog.action, EventLog.actor_id).where(EventLog.event_id == event.id)
        .order_by(EventLog.id)
    ).all()
    assert actions[-3:] == [("auto_check_out", None), ("auto_check_out", None),
                            ("close", world.users.organiser.id)]


def test_closing_early_checks_out_at_the_closing_time(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    act(session, services.close_event, event.id, world.users.organiser.id, NOW + 90 * MINUTE)
    assert attendance(session, event, world.people.zhang).minutes == 90


@pytest.mark.parametrize("who", ["colleague", "other_committee", "grid_worker", "villager"])
def test_only_the_organiser_closes_adjusts_and_confirms(session, world, who):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    actor = getattr(world.users, who).id
    with refused(403, "只有本活动的组织者"):
        act(session, services.close_event, event.id, actor, NOW + HOUR)
    act(session, services.close_event, event.id, world.users.organiser.id, NOW + HOUR)
    a = attendance(session, event, world.people.zhang)
    with refused(403):
        act(session, services.adjust_minutes, event.id, a.id, actor, minutes=10, reason="x", now=NOW)
    with refused(403):
        act(session, services.confirm_event, event.id, actor, NOW + HOUR)
    session.expire_all()
    assert session.get(Event, event.id).status == Status.CLOSED
    assert count(session, Award) == 0


def test_an_organiser_who_lost_the_role_can_no_longer_run_the_event(session, world):
    from incentives.auth.models import RoleGrant

    event = make_event(session, world)
    act(session, lambda s: s.execute(
        RoleGrant.__table__.delete().where(RoleGrant.user_id == world.users.organiser.id)
    ))
    session.expire_all()  # as a new request would: the grant is gone
    with refused(403):
        act(session, services.close_event, event.id, world.users.organiser.id, NOW + HOUR)


def test_closing_is_refused_before_the_start_and_a_second_time(session, world):
    event = make_event(session, world)
    with refused(409, "活动还没开始"):
        act(session, services.close_event, event.id, world.users.organiser.id, NOW - MINUTE)
    act(session, services.close_event, event.id, world.users.organiser.id, NOW + HOUR)
    with refused(409, "活动已经结束"):
        act(session, services.close_event, event.id, world.users.organiser.id, NOW + HOUR)


def test_the_organiser_adjusts_minutes_with_a_reason_between_closing_and_confirming(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    a = attendance(session, event, world.people.zhang)
    organiser = world.users.organiser.id

    def adjust(minutes, reason="忘记签到，实际全程参加"):
        return act(session, services.adjust_minutes, event.id, a.id, organiser, minutes=minutes,
                   reason=reason, now=NOW + 3 * HOUR)

    with refused(409, "请先结束活动"):
        adjust(180)
    act(session, services.close_event, event.id, organiser, NOW + 3 * HOUR)
    for minutes in (-1, 181, "180", None):
        with refused(400, "时长应在 0 到 180 分钟之间"):
            adjust(minutes)
    for reason in ("", "   ", "因" * 201):
        with refused(400, "请写明调整原因"):
            adjust(170, reason)
    assert attendance(session, event, world.people.zhang).adjusted_minutes is None

    adjust(170)
    adjusted = attendance(session, event, world.people.zhang)
    assert (adjusted.minutes, adjusted.recorded_minutes) == (170, 180)
    assert (adjusted.adjust_reason, adjusted.adjusted_by_id) == ("忘记签到，实际全程参加", organiser)
    line = session.execute(
        select(EventLog).where(EventLog.event_id == event.id, EventLog.action == "adjust")
    ).scalar_one()
    assert (line.actor_id, line.minutes, line.detail) == (organiser, 170, "忘记签到，实际全程参加")

    act(session, services.confirm_event, event.id, organiser, NOW + 3 * HOUR)
    with refused(409, "已确认入账"):
        adjust(60)
    other = make_event(session, world, title="另一次活动")
    act(session, services.close_event, other.id, organiser, NOW + HOUR)
    with refused(404, "找不到这条签到记录"):  # this event's attendance, through the other event
        act(session, services.adjust_minutes, other.id, a.id, organiser, minutes=1, reason="x", now=NOW)


def test_confirming_posts_hours_to_people_and_points_to_households_exactly_once(session, world):
    event = make_event(session, world)
    organiser = world.users.organiser.id
    scan(session, event, world.users.villager, NOW)  # 张建国: in at the start
    scan(session, event, world.users.son, NOW + 15 * MINUTE)  # 张明, same household
    scan(session, event, world.users.son, NOW + 2 * HOUR + 15 * MINUTE)  # 2 hours
    scan(session, event, world.users.neighbour, NOW + 2 * HOUR)  # 李秀英: 1 hour, auto out
    with refused(409, "已签到"):
        scan(session, event, world.users.neighbour, NOW + 2 * HOUR + MINUTE)  # a double tap
    with refused(409, "请先结束活动"):
        act(session, services.confirm_event, event.id, organiser, NOW + HOUR)

    act(session, services.close_event, event.id, organiser, NOW + 3 * HOUR)
    zhang = attendance(session, event, world.people.zhang)
    act(session, services.adjust_minutes, event.id, zhang.id, organiser, minutes=150,
        reason="中途离开半小时", now=NOW + 3 * HOUR)
    entries_before = count(session, Entry)

    result = act(session, services.confirm_event, event.id, organiser, NOW + 3 * HOUR + MINUTE)

    version = world.rules.volunteer.current
    assert result.posted and result.people == 3
    assert result.minutes == 150 + 120 + 60
    assert result.points == points_for(version, 150) + points_for(version, 120) + points_for(version, 60)
    assert balances(session, world.households.h1.account_id) == 15 + 12  # 2.5 h and 2 h at 6
    assert balances(session, world.households.h1b.account_id) == 6
    assert balances(session, world.people.zhang.hours_account_id) == 150
    assert balances(session, world.people.zhang_ming.hours_account_id) == 120
    assert balances(session, world.people.li.hours_account_id) == 60
    assert count(session, Entry) == entries_before + 6  # three people: hours and points each

    awards = session.execute(select(Award).order_by(Award.id)).scalars().all()
    assert {(a.source_type, a.quantity, a.points, a.rule_version_id) for a in awards} == {
        ("event_attendance", 150, 15, version.id),
        ("event_attendance", 120, 12, version.id),
        ("event_attendance", 60, 6, version.id),
    }
    for a in session.execute(select(Attendance).where(Attendance.event_id == event.id)).scalars():
        assert a.award_id is not None and a.hours_entry_id is not None
        assert a.award.source_id == a.id and a.posted_minutes == a.minutes
    session.expire_all()
    event_row = session.get(Event, event.id)
    assert event_row.status == Status.CONFIRMED and event_row.confirmed_at == NOW + 3 * HOUR + MINUTE

    # Confirming again (a double tap, a retry) posts nothing and says so.
    again = act(session, services.confirm_event, event.id, organiser, NOW + 4 * HOUR)
    assert not again.posted and (again.people, again.minutes, again.points) == (3, 330, 33)
    assert count(session, Entry) == entries_before + 6 and count(session, Award) == 3
    assert balances(session, world.households.h1.account_id) == 27
    assert count(session, EventLog, event_id=event.id, action="confirm") == 1


def test_confirming_uses_the_rule_version_fixed_at_creation(session, world):
    event = make_event(session, world)
    act(session, revise_rule, world.rules.volunteer, "county:test", points=10)  # later: 10 per hour
    scan(session, event, world.users.villager, NOW)
    act(session, services.close_event, event.id, world.users.organiser.id, NOW + HOUR)
    act(session, services.confirm_event, event.id, world.users.organiser.id, NOW + HOUR)
    assert balances(session, world.households.h1.account_id) == 6


def test_nothing_is_posted_for_zero_minutes(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    act(session, services.close_event, event.id, world.users.organiser.id, NOW + 30 * MINUTE)
    a = attendance(session, event, world.people.zhang)
    act(session, services.adjust_minutes, event.id, a.id, world.users.organiser.id, minutes=0,
        reason="签到后马上离开", now=NOW + HOUR)
    result = act(session, services.confirm_event, event.id, world.users.organiser.id, NOW + HOUR)
    assert result.posted and result.people == 0
    assert count(session, Award) == 0 and balances(session, world.households.h1.account_id) == 0


def test_a_colleague_takes_over_an_event_whose_organiser_left_and_certifies_it(session, world):
    event = make_event(session, world)
    scan(session, event, world.users.villager, NOW)
    colleague, organiser = world.users.colleague, world.users.organiser
    with refused(403, "不能接手"):  # the organiser is still in office and the event is recent
        act(session, services.take_over_event, event.id, colleague.id, NOW + HOUR)
    for outsider in (world.users.other_committee, world.users.grid_worker, world.users.villager, organiser):
        with refused(403, "不能接手"):
            act(session, services.take_over_event, event.id, outsider.id, NOW + 30 * 24 * HOUR)

    def leave():
        session.get(type(organiser), organiser.id).active = False  # left the village committee

    run_in_transaction(session, leave)
    act(session, services.take_over_event, event.id, colleague.id, NOW + HOUR)

    session.expire_all()
    assert session.get(Event, event.id).organiser_id == colleague.id
    log = session.execute(
        select(EventLog).where(EventLog.event_id == event.id, EventLog.action == "take_over")
    ).scalar_one()
    assert (log.actor_id, log.detail) == (colleague.id, organiser.name)
    with refused(403, "只有本活动的组织者"):
        act(session, services.close_event, event.id, organiser.id, NOW + 3 * HOUR)
    act(session, services.close_event, event.id, colleague.id, NOW + 3 * HOUR)
    result = act(session, services.confirm_event, event.id, colleague.id, NOW + 3 * HOUR + MINUTE)
    assert result.posted and result.people == 1 and result.minutes == 180


def test_an_unconfirmed_event_is_taken_over_three_days_after_it_ended(session, world):
    event = make_event(session, world)
    colleague = world.users.colleague
    ended = NOW + 3 * HOUR
    with refused(403):
        act(session, services.take_over_event, event.id, colleague.id, ended + 3 * 24 * HOUR)
    act(session, services.take_over_event, event.id, colleague.id, ended + 3 * 24 * HOUR + MINUTE)
    act(session, services.close_event, event.id, colleague.id, ended + 4 * 24 * HOUR)
    act(session, services.confirm_event, event.id, colleague.id, ended + 4 * 24 * HOUR)
    with refused(403, "不能接手"):  # confirmed: there is nothing left to take over
        act(session, services.take_over_event, event.id, world.users.organiser.id, ended + 9 * 24 * HOUR)
