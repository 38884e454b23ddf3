"""The authorization matrix: every role against every protected route, inside and outside the
subtree of the node it was granted on. Nothing leaks (404, not data); nothing needed is refused."""

from types import SimpleNamespace

import pytest

from incentives.auth.roles import Role
from incentives.places.models import Level, Person
from tests.factories import make_household, make_region, make_user


@pytest.fixture
def world(session):
    """County > two townships; T1 has villages V1 (grids G1a, G1b) and V2; T2 has V3."""
    county = make_region(session, "平安县", Level.COUNTY)
    t1 = make_region(session, "和平镇", Level.TOWNSHIP, county)
    t2 = make_region(session, "石桥乡", Level.TOWNSHIP, county)
    v1 = make_region(session, "和平村", Level.VILLAGE, t1)
    v2 = make_region(session, "东风社区", Level.VILLAGE, t1)
    v3 = make_region(session, "石桥村", Level.VILLAGE, t2)
    g1a = make_region(session, "第一网格", Level.GRID, v1)
    g1b = make_region(session, "第二网格", Level.GRID, v1)
    households = {
        "H1": make_household(session, v1, "张建国", grid=g1a, phone="13811110001", members=["张明"]),
        "H1b": make_household(session, v1, "李秀英", grid=g1b, phone="13811110002"),
        "H2": make_household(session, v2, "王志强", phone="13811110003"),
        "H3": make_household(session, v3, "刘桂兰", phone="13811110004"),
    }
    head_of_h1 = session.query(Person).filter_by(household_id=households["H1"].id, is_head=True).one()
    users = {
        Role.VILLAGER: make_user(session, Role.VILLAGER, v1, person=head_of_h1),
        Role.GRID_WORKER: make_user(session, Role.GRID_WORKER, g1a),
        Role.VILLAGE_COMMITTEE: make_user(session, Role.VILLAGE_COMMITTEE, v1),
        Role.APPRAISER: make_user(session, Role.APPRAISER, v1),
        Role.CLERK: make_user(session, Role.CLERK, v1),
        Role.WOMENS_FEDERATION: make_user(session, Role.WOMENS_FEDERATION, t1),
        Role.YOUTH_LEAGUE: make_user(session, Role.YOUTH_LEAGUE, county),
        Role.TOWNSHIP_ADMIN: make_user(session, Role.TOWNSHIP_ADMIN, t1),
        Role.COUNTY_ADMIN: make_user(session, Role.COUNTY_ADMIN, county),
    }
    regions = dict(county=county, t1=t1, t2=t2, v1=v1, v2=v2, v3=v3, g1a=g1a, g1b=g1b)
    return SimpleNamespace(households=households, users=users, regions=regions)


# Which households each role may open (balance and history).
SEES_HOUSEHOLDS = {
    Role.VILLAGER: {"H1"},
    Role.GRID_WORKER: {"H1"},
    Role.VILLAGE_COMMITTEE: {"H1", "H1b"},
    Role.APPRAISER: set(),
    Role.CLERK: set(),
    Role.WOMENS_FEDERATION: set(),
    Role.YOUTH_LEAGUE: set(),
    Role.TOWNSHIP_ADMIN: {"H1", "H1b", "H2"},
    Role.COUNTY_ADMIN: {"H1", "H1b", "H2", "H3"},
}
# Phones never leave the village: only the household itself and the village's own staff.
SEES_PHONES = {Role.VILLAGER, Role.GRID_WORKER, Role.VILLAGE_COMMITTEE}
# Which regions' household lists each role may open.
LISTS_REGIONS = {
    Role.GRID_WORKER: {"g1a"},
    Role.VILLAGE_COMMITTEE: {"v1", "g1a", "g1b"},
    Role.TOWNSHIP_ADMIN: {"t1", "v1", "v2", "g1a", "g1b"},
    Role.COUNTY_ADMIN: {"county", "t1", "t2", "v1", "v2", "v3", "g1a", "g1b"},
}
ALL_REGIONS = ("county", "t1", "t2", "v1", "v2", "v3", "g1a", "g1b")


def clients(app, world):
    """A logged-in test client for each role (one world for all: building it is the slow part)."""
    from tests.factories import PASSWORD

    for role in Role:
        client = app.test_client()
        response = client.post("/login", data={"phone": world.users[role].phone, "password": PASSWORD})
        assert response.status_code == 302, role
        yield role, client


def test_household_pages(app, world):
    for role, client in clients(app, world):
        check_household_pages(world, role, client)


def check_household_pages(world, role, client):
    for name, household in world.households.items():
        page = client.get(f"/households/{household.id}")
        if name in SEES_HOUSEHOLDS[role]:
            assert page.status_code == 200, (role, name)
            text = page.get_data(as_text=True)
            assert household.head_name in text
            phone_shown = "1381111000" in text
            assert phone_shown == (role in SEES_PHONES), (role, name)
        else:
            assert page.status_code == 404, (role, name)
            assert household.head_name not in page.get_data(as_text=True)


def test_household_lists(app, world):
    for role, client in clients(app, world):
        for key in ALL_REGIONS:
            region = world.regions[key]
            page = client.get(f"/households?region={region.id}")
            expected = 200 if key in LISTS_REGIONS.get(role, set()) else 404
            assert page.status_code == expected, (role, key)
        listed = client.get("/households")
        assert listed.status_code == (200 if role in LISTS_REGIONS else 404), role


def test_roster_import_only_for_the_village_committee(app, world):
    for role, client in clients(app, world):
        for key in ALL_REGIONS:
            page = client.get(f"/households/import?region={world.regions[key].id}")
            allowed = role == Role.VILLAGE_COMMITTEE and key == "v1"
            assert page.status_code == (200 if allowed else 404), (role, key)
            posted = client.post(f"/households/import?region={world.regions[key].id}")
            assert posted.status_code in ((400, 422) if allowed else (404,)), (role, key)


def test_login_slips_only_by_the_village_committee(app, world, session):
    heads = {
        name: session.query(Person).filter_by(household_id=h.id, is_head=True).one().id
        for name, h in world.households.items()
    }
    for role, client in clients(app, world):
        if role == Role.VILLAGE_COMMITTEE:
            continue  # last: its slips reset the villager's password
        for name, household in world.households.items():
            response = client.post(f"/households/{household.id}/members/{heads[name]}/slip")
            assert response.status_code == 404, (role, name)
    committee = dict(clients(app, world))[Role.VILLAGE_COMMITTEE]
    for name, household in world.households.items():
        response = committee.post(f"/households/{household.id}/members/{heads[name]}/slip")
        assert response.status_code == (200 if name in {"H1", "H1b"} else 404), name


def test_everyone_logged_in_has_a_home(app, world):
    for role, client in clients(app, world):
        assert client.get("/me").status_code == 200, role


@pytest.mark.parametrize(
    "url", ["/me", "/households", "/households/1", "/households/import", "/password"]
)
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_anonymous_post_is_refused(world, client):
    household = world.households["H1"]
    response = client.post(f"/households/{household.id}/members/1/slip")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_member_of_another_household_is_not_a_member_here(world, session, login_as):
    # The slip route checks the person belongs to the household in the URL.
    client = login_as(world.users[Role.VILLAGE_COMMITTEE])
    other = session.query(Person).filter_by(household_id=world.households["H3"].id).first()
    response = client.post(f"/households/{world.households['H1'].id}/members/{other.id}/slip")
    assert response.status_code == 404


def test_roles_are_granted_only_on_their_level(world, session):
    from incentives.auth.services import AuthError, grant_role
    from ledger.transaction import run_in_transaction

    user = make_user(session)
    with pytest.raises(AuthError):
        run_in_transaction(
            session,
            lambda: grant_role(session, user, Role.VILLAGE_COMMITTEE, world.regions["county"]),
        )
