"""The catalogue page for villagers, and rule management by the levels that own the rules."""

from sqlalchemy import select

from incentives.auth.roles import Role
from incentives.places.models import Level, Person
from incentives.rules.models import Rule
from incentives.rules.standard_catalogue import publish_standard_catalogue
from ledger.transaction import run_in_transaction
from tests.factories import PASSWORD, make_household, make_region, make_user


def setup_county(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    village = make_region(session, "和平村", Level.VILLAGE, township)
    other = make_region(session, "东风社区", Level.VILLAGE, township)
    run_in_transaction(session, lambda: publish_standard_catalogue(session, county, "user:1"))
    return county, village, other


def client_for(app, user):
    client = app.test_client()
    assert client.post("/login", data={"phone": user.phone, "password": PASSWORD}).status_code == 302
    return client


def test_villager_reads_the_catalogue_of_their_village(app, session):
    _, village, other = setup_county(session)
    household = make_household(session, village)
    head = session.execute(select(Person).where(Person.household_id == household.id)).scalar_one()
    villager = client_for(app, make_user(session, Role.VILLAGER, village, person=head))

    page = villager.get("/rules").get_data(as_text=True)

    assert "志愿服务（每小时）" in page and "+5 分/小时" in page
    assert "发生家庭暴力" in page and "-30 分/次" in page
    assert "每户每月封顶 100 分" in page and "本村分值" not in page
    assert villager.get(f"/rules?village={other.id}").status_code == 404


def test_committee_sets_the_village_value_within_range_and_posted_points_keep_theirs(app, session):
    county, village, other = setup_county(session)
    committee = client_for(app, make_user(session, Role.VILLAGE_COMMITTEE, village))
    in_county = select(Rule).where(Rule.region_id == county.id).order_by(Rule.id)
    rule = session.execute(in_county).scalars().first()

    ok = committee.post(f"/rules/{rule.id}/points?village={village.id}", data={"points": "7"})
    too_high = committee.post(f"/rules/{rule.id}/points?village={village.id}", data={"points": "9"})
    elsewhere = committee.post(f"/rules/{rule.id}/points?village={other.id}", data={"points": "7"})

    assert ok.status_code == 302
    assert too_high.status_code == 400 and "3 到 8" in too_high.get_data(as_text=True)
    assert elsewhere.status_code == 404
    page = committee.get(f"/rules?village={village.id}").get_data(as_text=True)
    assert "+7 分/小时" in page


def test_only_rule_owning_levels_publish(app, session):
    county, village, _ = setup_county(session)
    admin = client_for(app, make_user(session, Role.COUNTY_ADMIN, county))
    published = admin.post("/rules/new", data={
        "name": "参加普法讲座", "category": "safe_family", "points": "3", "per": "occurrence",
        "cap_period": "month", "cap_points": "6", "approval_required": "y", "self_report": "y"})
    assert published.status_code == 302
    assert session.execute(select(Rule).join(Rule.versions)).unique().scalars().all()
    clerk = client_for(app, make_user(session, Role.CLERK, village))
    assert clerk.get("/rules/new").status_code == 404
    bad = admin.post("/rules/new", data={"name": "", "category": "x", "points": "0"})
    assert bad.status_code == 400 and "请填写细则名称" in bad.get_data(as_text=True)
