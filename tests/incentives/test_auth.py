"""Login with phone and password: throttled, CSRF-protected, slips for those who forget."""

import re

from sqlalchemy import select

from incentives.auth.models import User
from incentives.auth.roles import Role
from incentives.places.models import Level, Person
from tests.factories import PASSWORD, make_household, make_region, make_user


def login(client, phone, password, **kwargs):
    return client.post("/login", data={"phone": phone, "password": password}, **kwargs)


def test_login_and_logout(session, client):
    user = make_user(session, phone="13912345678")
    response = login(client, "139 1234 5678", PASSWORD)  # spaces as people type them
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    assert client.get("/me").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/me").status_code == 302
    assert user.phone == "13912345678"


def test_wrong_password_is_a_401_in_chinese(session, client):
    make_user(session, phone="13912345678")
    response = login(client, "13912345678", "wrong")
    assert response.status_code == 401
    assert "手机号或密码不对" in response.get_data(as_text=True)


def test_login_is_throttled_after_repeated_failures(app, session, client):
    make_user(session, phone="13912345678")
    failures = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(failures):
        assert login(client, "13912345678", "guess").status_code == 401
    # Even the right password is refused now: guessing must gain nothing.
    refused = login(client, "13912345678", PASSWORD)
    assert refused.status_code == 429
    assert "分钟后再试" in refused.get_data(as_text=True)


def test_next_is_followed_only_within_the_site(session, client):
    make_user(session, phone="13912345678")
    inside = login(client, "13912345678", PASSWORD, query_string={"next": "/households"})
    assert inside.headers["Location"] == "/households"
    client.post("/logout")
    outside = login(client, "13912345678", PASSWORD, query_string={"next": "//evil.example/x"})
    assert outside.headers["Location"] == "/me"


def test_session_cookie_is_httponly_and_samesite(session, client):
    make_user(session, phone="13912345678")
    cookie = login(client, "13912345678", PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forms_need_a_csrf_token(app, session, client):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(session, phone="13912345678")
    response = login(client, "13912345678", PASSWORD)
    assert response.status_code == 400
    assert client.get("/me").status_code == 302


def test_committee_prints_a_slip_and_the_villager_must_choose_a_new_password(
    app, session, login_as
):
    county = make_region(session, "平安县", Level.COUNTY)
    village = make_region(
        session, "和平村", Level.VILLAGE, make_region(session, "和平镇", Level.TOWNSHIP, county)
    )
    household = make_household(session, village, "张建国", phone="13800000001")
    head = session.execute(select(Person).where(Person.household_id == household.id)).scalar_one()
    committee = login_as(make_user(session, Role.VILLAGE_COMMITTEE, village))

    slip = committee.post(f"/households/{household.id}/members/{head.id}/slip")

    assert slip.status_code == 200 and slip.headers["Cache-Control"] == "no-store"
    text = slip.get_data(as_text=True)
    password = re.search(r'data-testid="slip-password">(\d+)<', text).group(1)
    assert "13800000001" in text and len(password) == 8

    villager = app.test_client()
    first = login(villager, "13800000001", password)
    assert first.headers["Location"] == "/password"
    assert villager.get("/me").headers["Location"] == "/password"  # nothing else until changed
    changed = villager.post(
        "/password", data={"current": password, "new": "my-own-pw", "confirm": "my-own-pw"}
    )
    assert changed.status_code == 302
    assert villager.get("/me").status_code == 200
    session.rollback()
    user = session.execute(select(User).where(User.phone == "13800000001")).scalar_one()
    assert not user.must_change_password and user.check_password("my-own-pw")
    assert [g.role for g in user.grants] == ["villager"]

    # A second slip resets the password again; the old one stops working.
    again = committee.post(f"/households/{household.id}/members/{head.id}/slip")
    assert again.status_code == 200
    assert login(app.test_client(), "13800000001", "my-own-pw").status_code == 401


def test_password_change_refuses_a_wrong_current_password(session, login_as):
    client = login_as(make_user(session))
    response = client.post("/password", data={"current": "nope", "new": "abcdefg", "confirm": "abcdefg"})
    assert response.status_code == 400
    assert "原密码不对" in response.get_data(as_text=True)


def test_slip_for_a_person_without_phone_is_refused_clearly(session, login_as):
    county = make_region(session, "平安县", Level.COUNTY)
    village = make_region(
        session, "和平村", Level.VILLAGE, make_region(session, "和平镇", Level.TOWNSHIP, county)
    )
    household = make_household(session, village, "刘桂兰")
    head = session.execute(select(Person).where(Person.household_id == household.id)).scalar_one()
    committee = login_as(make_user(session, Role.VILLAGE_COMMITTEE, village))
    response = committee.post(f"/households/{household.id}/members/{head.id}/slip")
    assert response.status_code == 400
    assert "没有登记手机号" in response.get_data(as_text=True)
