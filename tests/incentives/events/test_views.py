"""The event pages over HTTP, on the real clock: staff create an event with the form, the
organiser shows the rotating code, a villager opens the URL it encodes (logged in or not), the
printed code and the by-name list, closing, adjusting and confirming, and who may open what."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from incentives.events import views
from incentives.events.models import Attendance, Event
from incentives.events.tokens import printed_token, screen_token
from incentives.qr import qr_svg
from ledger.models import Account, utcnow
from tests.factories import PASSWORD
from tests.incentives.events.conftest import HOUR, MINUTE, make_event


@pytest.fixture
def event(session, world):
    """An event that started ten minutes ago and runs two hours more, organised by the committee."""
    now = utcnow()
    return make_event(session, world, starts_at=now - 10 * MINUTE, ends_at=now + 2 * HOUR,
                      now=now)


def client_of(app, user):
    client = app.test_client()
    response = client.post("/login", data={"phone": user.phone, "password": PASSWORD})
    assert response.status_code == 302
    return client


def scan_url(app, event_id, token) -> str:
    return f"/events/{event_id}/scan?t={token}"


def attendances(session, event_id) -> list[Attendance]:
    session.rollback()
    return session.execute(
        select(Attendance).where(Attendance.event_id == event_id).order_by(Attendance.id)
    ).scalars().all()


def text(response) -> str:
    return response.get_data(as_text=True)


# --- creating --------------------------------------------------------------------------------


def test_the_committee_creates_an_event_with_the_form(app, session, world):
    client = client_of(app, world.users.organiser)
    page = text(client.get("/events/new"))
    assert "和平村" in page and "东风社区" not in page  # only villages the role covers

    form = client.get(f"/events/new?village={world.regions.v1.id}")
    assert form.status_code == 200
    assert "志愿服务（每小时 6 分）" in text(form)
    assert "庭院整洁" not in text(form) and "乱倒垃圾" not in text(form)  # not per hour; a deduction

    response = client.post(f"/events/new?village={world.regions.v1.id}", data={
        "title": "周六河道清理", "place": "村口河道", "starts_at": "2030-06-01T08:00",
        "ends_at": "2030-06-01T11:00", "rule": str(world.rules.volunteer.id), "capacity": "30",
    })
    assert response.status_code == 302
    session.rollback()
    created = session.execute(select(Event)).scalar_one()
    assert response.headers["Location"] == f"/events/{created.id}"
    # Typed in Shanghai time, kept in UTC.
    assert (created.starts_at.hour, created.ends_at.hour, created.starts_at.day) == (0, 3, 1)
    assert created.rule_version_id == world.rules.volunteer.current.id
    assert created.organiser_id == world.users.organiser.id

    page = text(client.get(response.headers["Location"]))
    assert "周六河道清理" in page and "签到二维码" in page and "活动已创建" in page


@pytest.mark.parametrize(
    "change, status, message",
    [
        ({"title": ""}, 422, "请写上活动名称"),
        ({"capacity": "很多"}, 422, "不是有效的整数"),
        ({"capacity": "0"}, 422, "人数上限应在 1 到 10000 之间"),
        ({"rule": "abc"}, 422, "选择无效"),
        ({"starts_at": "明天早上"}, 422, "请填写开始时间，例如 2026-11-28 08:00"),
        ({"ends_at": "2030-06-01T07:00"}, 400, "结束时间必须晚于开始时间"),
        ({"starts_at": "2020-06-01T08:00", "ends_at": "2020-06-01T09:00"}, 400, "结束时间已经过去了"),
    ],
)
def test_bad_form_input_is_a_4xx_in_chinese_and_creates_nothing(app, session, world, change, status,
                                                                 message):
    client = client_of(app, world.users.organiser)
    data = {"title": "河道清理", "place": "河道", "starts_at": "2030-06-01T08:00",
            "ends_at": "2030-06-01T11:00", "rule": str(world.rules.volunteer.id), "capacity": "30"}
    response = client.post(f"/events/new?village={world.regions.v1.id}", data=data | change)
    assert response.status_code == status
    assert message in text(response)
    session.rollback()
    assert session.execute(select(func.count(Event.id))).scalar_one() == 0


@pytest.mark.parametrize("who", ["other_committee", "villager", "clerk"])
def test_no_event_form_for_a_village_the_role_does_not_cover(app, session, world, who):
    client = client_of(app, getattr(world.users, who))
    for path in (f"/events/new?village={world.regions.v1.id}", f"/events/new?village={world.regions.g1a.id}"):
        assert client.get(path).status_code == 404
    response = client.post(f"/events/new?village={world.regions.v1.id}", data={"title": "x"})
    assert response.status_code == 404


# --- who may open what -----------------------------------------------------------------------

STAFF_PAGES = ("", "/check-in")
ORGANISER_PAGES = ("/qr", "/qr.svg", "/print")
ORGANISER_POSTS = ("/close", "/confirm")


@pytest.mark.parametrize(
    "who, sees_event",
    [
        ("villager", False), ("outsider", False), ("other_committee", False), ("clerk", False),
        ("colleague", True), ("grid_worker", True), ("youth_league", True),
    ],
)
def test_only_the_organiser_runs_the_event_and_outsiders_see_nothing(app, session, world, event,
                                                                     who, sees_event):
    client = client_of(app, getattr(world.users, who))
    base = f"/events/{event.id}"
    for suffix in STAFF_PAGES[:1]:
        assert client.get(base + suffix).status_code == (200 if sees_event else 404), suffix
    for suffix in ORGANISER_PAGES:
        assert client.get(base + suffix).status_code == 404, suffix
    for suffix in ORGANISER_POSTS:
        assert client.post(base + suffix).status_code == 404, suffix
    assert client.get(base + "/attendances/1/adjust").status_code == 404
    assert client.post(base + "/attendances/1/confirm").status_code == 404
    assert (event.id in [int(x) for x in re.findall(r'/events/(\d+)"', text(client.get("/events")))]) \
        == sees_event
    session.rollback()
    assert session.get(Event, event.id).status == "open"


def test_the_organiser_opens_every_page(app, world, event):
    client = client_of(app, world.users.organiser)
    for suffix in STAFF_PAGES + ORGANISER_PAGES:
        assert client.get(f"/events/{event.id}{suffix}").status_code == 200, suffix


def test_anonymous_visitors_are_sent_to_log_in(client, event):
    for suffix in STAFF_PAGES + ORGANISER_PAGES + ("/me",):
        response = client.get(f"/events/{event.id}{suffix}")
        assert response.status_code == 302 and "/login" in response.headers["Location"], suffix
    assert client.get("/events/999999").status_code == 302


def test_a_missing_event_is_a_404(app, world):
    client = client_of(app, world.users.organiser)
    for path in ("/events/999999", "/events/999999/qr", "/events/999999/me"):
        assert client.get(path).status_code == 404


# --- the rotating code and scanning it -------------------------------------------------------


def test_the_organisers_code_encodes_the_scan_url_and_the_villager_is_checked_in(app, session, world,
                                                                                event):
    organiser = client_of(app, world.users.organiser)
    for _ in range(2):  # the minute may turn between the page and this test's own token
        now = utcnow()
        page = organiser.get(f"/events/{event.id}/qr")
        token = screen_token(app.config["SECRET_KEY"], event.id, now)
        url = f"http://localhost/events/{event.id}/scan?t={token}"
        if str(qr_svg(url)) in text(page):
            break
    else:
        pytest.fail("the QR page does not show the current scan URL")
    assert page.headers["Cache-Control"] == "no-store"
    assert '<noscript><meta http-equiv="refresh"' in text(page)
    assert "js/rotating-qr.js" in text(page)
    svg = organiser.get(f"/events/{event.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and svg.headers["Cache-Control"] == "no-store"

    villager = client_of(app, world.users.villager)
    response = villager.get(urlparse(url).path + "?" + urlparse(url).query)
    assert response.status_code == 302 and response.headers["Location"] == f"/events/{event.id}/me"
    me = text(villager.get(response.headers["Location"]))
    assert "签到成功" in me and 'data-testid="attendance-state">' in me and "已签到" in me
    [attendance] = attendances(session, event.id)
    assert attendance.person_id == world.people.zhang.id and attendance.method == "scan"

    # Reloading the scan URL a moment later is not leaving: a clear 409, nothing changed.
    again = villager.get(scan_url(app, event.id, token))
    assert again.status_code == 409 and "已签到" in text(again)
    assert attendances(session, event.id)[0].checked_out_at is None

    page = text(organiser.get(f"/events/{event.id}"))
    assert "扫码签到" in page and world.users.villager.name in page


@pytest.mark.parametrize("kind", ["forged", "expired", "other_event", "missing"])
def test_bad_codes_are_refused_with_a_reason_logged_in_or_not(app, session, world, event, kind):
    secret = app.config["SECRET_KEY"]
    other = make_event(session, world, title="另一次活动", starts_at=event.starts_at,
                       ends_at=event.ends_at, now=utcnow())
    token = {
        "forged": screen_token("not-our-secret", event.id, utcnow()),
        "expired": screen_token(secret, event.id, utcnow() - 3 * MINUTE),
        "other_event": screen_token(secret, other.id, utcnow()),
        "missing": "",
    }[kind]
    message = {"forged": "二维码无效", "expired": "二维码已过期", "other_event": "不是本活动的二维码",
               "missing": "二维码无效"}[kind]
    for client in (app.test_client(), client_of(app, world.users.villager)):
        response = client.get(scan_url(app, event.id, token))
        assert response.status_code == 403 and message in text(response)
    assert attendances(session, event.id) == []


def test_an_anonymous_scan_comes_back_after_login_even_if_the_code_rotated(app, session, world, event,
                                                                          monkeypatch):
    token = screen_token(app.config["SECRET_KEY"], event.id, utcnow())
    client = app.test_client()
    response = client.get(scan_url(app, event.id, token))
    assert response.status_code == 302
    login = urlparse(response.headers["Location"])
    assert login.path == "/login"
    next_url = parse_qs(login.query)["next"][0]
    assert next_url == scan_url(app, event.id, token)

    # Typing the phone number and password takes a while: the code on screen has rotated twice.
    slow = utcnow() + 3 * MINUTE
    monkeypatch.setattr(views, "utcnow", lambda: slow)
    logged_in = client.post(f"/login?next={next_url}", data={
        "phone": world.users.villager.phone, "password": PASSWORD})
    assert logged_in.headers["Location"] == next_url
    back = client.get(next_url)
    assert back.status_code == 302 and back.headers["Location"] == f"/events/{event.id}/me"
    assert [a.person_id for a in attendances(session, event.id)] == [world.people.zhang.id]

    # The same old code scanned by someone who did not wait at the login page: expired.
    son = client_of(app, world.users.son)
    refused = son.get(scan_url(app, event.id, token))
    assert refused.status_code == 403 and "已过期" in text(refused)


def test_a_villager_of_another_village_is_refused(app, session, world, event):
    token = screen_token(app.config["SECRET_KEY"], event.id, utcnow())
    response = client_of(app, world.users.outsider).get(scan_url(app, event.id, token))
    assert response.status_code == 403 and "只限本村村民" in text(response)
    assert client_of(app, world.users.outsider).get(f"/events/{event.id}/me").status_code == 404


# --- the printed code ------------------------------------------------------------------------


def test_the_printed_code_checks_in_pending_the_organisers_confirmation(app, session, world, event):
    organiser = client_of(app, world.users.organiser)
    token = printed_token(app.config["SECRET_KEY"], event.id)
    poster = text(organiser.get(f"/events/{event.id}/print"))
    assert str(qr_svg(f"http://localhost/events/{event.id}/scan?t={token}")) in poster
    assert "确认到场后才计积分" in poster

    villager = client_of(app, world.users.villager)
    villager.get(scan_url(app, event.id, token))
    assert "组织者确认后才计积分" in text(villager.get(f"/events/{event.id}/me"))
    [attendance] = attendances(session, event.id)
    assert attendance.method == "printed" and attendance.needs_confirmation

    assert "待组织者确认" in text(organiser.get(f"/events/{event.id}"))
    colleague = client_of(app, world.users.colleague)
    assert colleague.post(f"/events/{event.id}/attendances/{attendance.id}/confirm").status_code == 404
    confirmed = organiser.post(f"/events/{event.id}/attendances/{attendance.id}/confirm")
    assert confirmed.status_code == 302
    assert "已由" in text(organiser.get(f"/events/{event.id}"))
    assert attendances(session, event.id)[0].confirmed_by_id == world.users.organiser.id


# --- checking in by name ---------------------------------------------------------------------


def test_a_grid_worker_checks_in_people_of_their_grid_by_name(app, session, world, event):
    client = client_of(app, world.users.grid_worker)
    page = text(client.get(f"/events/{event.id}/check-in"))
    assert "张奶奶" in page and "李秀英" not in page  # another grid's household
    assert "张奶奶" in text(client.get(f"/events/{event.id}/check-in?q=奶奶"))
    assert "张建国" not in text(client.get(f"/events/{event.id}/check-in?q=奶奶"))

    response = client.post(f"/events/{event.id}/check-in?q=奶奶",
                           data={"person_id": world.people.grandma.id, "action": "in"})
    assert response.status_code == 302
    assert "张奶奶 已签到" in text(client.get(response.headers["Location"]))
    [attendance] = attendances(session, event.id)
    assert (attendance.method, attendance.checked_in_by_id) == ("by_name", world.users.grid_worker.id)

    refused = client.post(f"/events/{event.id}/check-in",
                          data={"person_id": world.people.li.id, "action": "in"})
    assert refused.status_code == 403 and "您不能为这位村民签到" in text(refused)
    for bad in ({"person_id": "abc", "action": "in"}, {"person_id": world.people.zhang.id, "action": "跳舞"},
                {}):
        response = client.post(f"/events/{event.id}/check-in", data=bad)
        assert response.status_code == 400 and "请求有误" in text(response)
    gone = client.post(f"/events/{event.id}/check-in", data={"person_id": 999_999, "action": "in"})
    assert gone.status_code == 403
    assert len(attendances(session, event.id)) == 1


# --- closing, adjusting, confirming ----------------------------------------------------------


def test_the_organiser_closes_adjusts_and_confirms_once(app, session, world, event):
    token = screen_token(app.config["SECRET_KEY"], event.id, utcnow())
    client_of(app, world.users.villager).get(scan_url(app, event.id, token))
    organiser = client_of(app, world.users.organiser)

    assert organiser.post(f"/events/{event.id}/confirm").status_code == 409  # still open
    closed = organiser.post(f"/events/{event.id}/close")
    assert closed.status_code == 302
    page = text(organiser.get(f"/events/{event.id}"))
    assert "1 人自动签退" in page and "活动结束时自动签退" in page and "系统" in page
    assert organiser.get(f"/events/{event.id}/qr.svg").status_code == 404  # no code once closed

    [attendance] = attendances(session, event.id)
    adjust = f"/events/{event.id}/attendances/{attendance.id}/adjust"
    assert 'value="0"' in text(organiser.get(adjust))  # closed at once: 0 minutes recorded
    for data, status, message in (
        ({"minutes": "-5", "reason": "忘记签退"}, 422, "分钟数不能是负数"),
        ({"minutes": "两小时", "reason": "忘记签退"}, 422, "不是有效的整数"),
        ({"minutes": "120", "reason": ""}, 422, "请写明调整原因"),
        ({"minutes": "999", "reason": "忘记签退"}, 400, "时长应在 0 到 130 分钟之间"),
    ):
        response = organiser.post(adjust, data=data)
        assert response.status_code == status and message in text(response), data
    assert organiser.post(adjust, data={"minutes": "120", "reason": "忘记签退"}).status_code == 302

    household = world.households.h1
    confirmed = organiser.post(f"/events/{event.id}/confirm")
    assert confirmed.status_code == 302
    page = text(organiser.get(f"/events/{event.id}"))
    assert "已确认入账：1 人，共 2小时，12 积分。" in page
    assert "忘记签退" in page and "已入账：12 积分，2小时" in page

    def points():
        session.rollback()
        return session.get(Account, household.account_id).balance

    assert points() == 12
    organiser.post(f"/events/{event.id}/confirm")
    assert "已经确认入账过了" in text(organiser.get(f"/events/{event.id}"))
    assert points() == 12
    assert "家庭积分 +12" in text(client_of(app, world.users.villager).get(f"/events/{event.id}/me"))


def test_closing_before_the_start_is_a_409(app, session, world):
    now = utcnow()
    later = make_event(session, world, starts_at=now + HOUR, ends_at=now + 2 * HOUR, now=now)
    response = client_of(app, world.users.organiser).post(f"/events/{later.id}/close")
    assert response.status_code == 409 and "活动还没开始" in text(response)


def test_the_event_page_says_who_recorded_what(app, session, world, event):
    organiser = client_of(app, world.users.organiser)
    organiser.post(f"/events/{event.id}/check-in", data={"person_id": world.people.grandma.id,
                                                          "action": "in"})
    page = text(organiser.get(f"/events/{event.id}"))
    assert "记录：谁组织谁记录，谁记录谁证明" in page
    name = world.users.organiser.name
    assert re.search(rf"<strong>{name}</strong>\s*创建活动", page)
    assert re.search(rf"<strong>{name}</strong>\s*签到 · 张奶奶\s*（代为签到）", page)
    assert f"记录人 {name}" in page


def test_scanning_again_when_leaving_checks_out(app, session, world, event, monkeypatch):
    secret = app.config["SECRET_KEY"]
    villager = client_of(app, world.users.villager)
    villager.get(scan_url(app, event.id, screen_token(secret, event.id, utcnow())))
    later = utcnow() + HOUR
    monkeypatch.setattr(views, "utcnow", lambda: later)
    response = villager.get(scan_url(app, event.id, screen_token(secret, event.id, later)))
    assert response.status_code == 302
    page = text(villager.get(response.headers["Location"]))
    assert "签退成功，本次记录 1小时。" in page and "已签退" in page
    assert attendances(session, event.id)[0].checked_out_at == later


def test_the_event_pages_read_in_english(app, world, event):
    organiser = client_of(app, world.users.organiser)
    page = text(organiser.get(f"/events/{event.id}?lang=en"))
    for words in ("Check-in QR code", "Print a paper check-in code", "Close event", "Attendance",
                  "Record: the organiser records, the recorder certifies", "Create event"):
        assert words in page, words
    assert "Check-in QR code" in text(organiser.get(f"/events/{event.id}/qr"))
    assert "Event name (e.g. Saturday river clean-up)" in text(
        organiser.get(f"/events/new?village={world.regions.v1.id}"))
    token = screen_token("forged", event.id, utcnow())
    refused = client_of(app, world.users.villager).get(f"/events/{event.id}/scan?t={token}&lang=en")
    assert refused.status_code == 403 and "Invalid QR code" in text(refused)


def test_impossible_ids_and_dates_are_4xx_never_5xx(app, session, world, event):
    # Larger than any BIGINT: PostgreSQL would refuse even to compare it with an id.
    huge = "9" * 30
    client = client_of(app, world.users.organiser)
    for path in (f"/events/{huge}", f"/events/{huge}/me", f"/events/{huge}/qr",
                 f"/events/new?village={huge}", f"/events/{event.id}/attendances/{huge}/adjust",
                 f"/events/{huge}/scan?t=E{huge}.1.0123456789abcdef",
                 f"/events/{event.id}/scan?t={'E1.' * 500}"):
        assert 400 <= client.get(path).status_code < 500, path
    for path, data in (
        (f"/events/{event.id}/check-in", {"person_id": huge, "action": "in"}),
        (f"/events/{event.id}/attendances/{huge}/confirm", {}),
        (f"/events/new?village={world.regions.v1.id}",
         {"title": "河道清理", "place": "河道", "starts_at": "0001-01-01T00:00",
          "ends_at": "0001-01-01T05:00", "rule": huge, "capacity": "3"}),
    ):
        response = client.post(path, data=data)
        assert 400 <= response.status_code < 500, path
    assert "请填写正确的日期和时间" in text(client.post(
        f"/events/new?village={world.regions.v1.id}", data={"starts_at": "1900-01-01T08:00"}))


def test_a_colleague_takes_over_from_the_page_once_the_organiser_has_left(app, session, world, event):
    colleague = client_of(app, world.users.colleague)
    page = text(colleague.get(f"/events/{event.id}"))
    assert 'data-testid="take-over"' not in page  # the organiser is still in office
    refused = colleague.post(f"/events/{event.id}/take-over")
    assert refused.status_code == 403 and "现在不能接手这个活动" in text(refused)
    stranger = client_of(app, world.users.other_committee)
    assert stranger.post(f"/events/{event.id}/take-over").status_code == 404

    session.rollback()
    session.get(type(world.users.organiser), world.users.organiser.id).active = False
    session.commit()
    assert 'data-testid="take-over"' in text(colleague.get(f"/events/{event.id}"))
    taken = colleague.post(f"/events/{event.id}/take-over")
    assert taken.status_code == 302
    page = text(colleague.get(f"/events/{event.id}"))
    assert "接手活动" in page and f"原组织者：{world.users.organiser.name}" in page
    assert "签到二维码" in page  # the colleague now runs it
    session.rollback()
    session.expire_all()
    assert session.get(Event, event.id).organiser_id == world.users.colleague.id
