"""The villager's home: balance in large type, own hours, plain-Chinese history, member QR."""

from sqlalchemy import select

from incentives.auth.roles import Role
from incentives.places.models import Household, Level, Person
from incentives.places.services import move_person
from ledger import AccountKind, EntryKind, Posting, open_account, post
from ledger.models import Account
from ledger.transaction import run_in_transaction
from redeem.members import member_token, read_member_token
from tests.factories import fund, make_household, make_region, make_user


def village_with_household(session):
    county = make_region(session, "平安县", Level.COUNTY)
    village = make_region(
        session, "和平村", Level.VILLAGE, make_region(session, "和平镇", Level.TOWNSHIP, county)
    )
    household = make_household(session, village, "张建国", members=["李秀英"])
    people = session.execute(
        select(Person).where(Person.household_id == household.id).order_by(Person.id)
    ).scalars().all()
    return village, household, people[0], people[1]


def record(session, key, source_id, target_id, amount, kind, reason):
    run_in_transaction(
        session,
        lambda: post(session, Posting(key, source_id, target_id, amount, kind, "user:1", reason)),
    )


def test_villager_sees_balance_hours_history_and_member_code(app, session, login_as):
    village, household, head, _ = village_with_household(session)
    pool = run_in_transaction(
        session, lambda: open_account(session, AccountKind.BUDGET, f"village:{village.id}")
    )
    fund(session, pool, 2000)
    record(session, "c1", pool.id, household.account_id, 1234, EntryKind.EARN, "志愿服务：河道清理 3 小时")
    record(session, "d1", household.account_id, pool.id, 34, EntryKind.DEDUCT, "村规民约：乱倒垃圾 扣分")
    fund(session, session.get(Account, head.hours_account_id), 200)

    client = login_as(make_user(session, Role.VILLAGER, village, person=head))
    page = client.get("/me").get_data(as_text=True)

    assert 'data-testid="balance">1,200<' in page
    assert 'data-testid="hours">3小时20分<' in page
    assert "志愿服务：河道清理 3 小时" in page and "+1234" in page
    assert "村规民约：乱倒垃圾 扣分" in page and "-34" in page
    assert "获得积分 ·" in page and "扣分 ·" in page  # kinds in words, not internal codes
    assert '<div class="qr" id="member-qr"' in page and "<svg" in page
    code = client.get("/me/member-code.svg")
    assert code.mimetype == "image/svg+xml" and code.headers["Cache-Control"] == "no-store"


def test_member_code_names_the_household(app, session):
    _, household, _, _ = village_with_household(session)
    token = member_token(app.config["SECRET_KEY"], household.id)
    assert read_member_token(app.config["SECRET_KEY"], token) == household.id


def test_a_person_moving_household_keeps_their_hours(session):
    village, _, _, member = village_with_household(session)
    fund(session, session.get(Account, member.hours_account_id), 90)
    other_village = make_region(session, "东风社区", Level.VILLAGE, village.parent)
    new_home = make_household(session, other_village, "王志强")

    run_in_transaction(
        session,
        lambda: move_person(
            session, session.get(Person, member.id), session.get(Household, new_home.id), "user:1"
        ),
    )

    session.expire_all()
    moved = session.get(Person, member.id)
    assert moved.household_id == new_home.id
    assert session.get(Account, moved.hours_account_id).balance == 90
