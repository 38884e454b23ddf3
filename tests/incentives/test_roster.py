"""Roster import: the spreadsheets villages already keep, all or nothing, re-import is a no-op."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from incentives.auth.roles import Role
from incentives.places.models import Household, Level, Person, Region
from tests.factories import PASSWORD, make_region, make_user

HEADER = "户主姓名,身份证号,身份证号后四位,手机号,网格,家庭成员\n"
# Valid 18-digit numbers (the check character is computed, see incentives.places.identity).
ID_1 = "11010519491231002X"
ID_2 = "440524188001010014"


@pytest.fixture
def village(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    return make_region(session, "和平村", Level.VILLAGE, township)


@pytest.fixture
def committee(session, village, login_as):
    return login_as(make_user(session, Role.VILLAGE_COMMITTEE, village))


def upload(client, village, content: bytes, filename="花名册.csv"):
    return client.post(
        f"/households/import?region={village.id}",
        data={"roster": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def household_count(session) -> int:
    session.rollback()
    return session.execute(select(func.count(Household.id))).scalar_one()


GOOD = (
    HEADER
    + f"张建国,{ID_1},,13800000001,第一网格,李秀英、张明\n"
    + f"王志强,{ID_2},,13800000002,第二网格,\n"
    + "刘桂兰,,1234,,第一网格,\n"
)


def test_good_file_creates_households_members_and_grids(session, village, committee):
    response = upload(committee, village, GOOD.encode("utf-8"))

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "新增 3 户" in text and "第一网格" in text
    heads = session.execute(select(Person).where(Person.is_head.is_(True))).scalars().all()
    assert sorted(p.name for p in heads) == ["刘桂兰", "张建国", "王志强"]
    zhang = next(p for p in heads if p.name == "张建国")
    assert [m.name for m in zhang.household.members] == ["张建国", "李秀英", "张明"]
    assert zhang.household.grid.name == "第一网格"
    grids = session.execute(select(Region.name).where(Region.parent_id == village.id)).scalars()
    assert sorted(grids) == ["第一网格", "第二网格"]


def test_id_numbers_are_never_stored_in_clear(session, village, committee, engine):
    upload(committee, village, GOOD.encode("utf-8"))
    person = session.execute(select(Person).where(Person.name == "张建国")).scalar_one()
    assert person.id_last4 == "002X" and len(person.id_hash) == 64
    with engine.connect() as conn:
        dump = " ".join(
            str(value)
            for table in ("persons", "households", "users")
            for row in conn.exec_driver_sql(f"SELECT * FROM {table}")
            for value in row
        )
    assert ID_1 not in dump and ID_1[:14] not in dump


def test_reimporting_the_same_file_changes_nothing(session, village, committee):
    upload(committee, village, GOOD.encode("utf-8"))
    persons_before = session.execute(select(func.count(Person.id))).scalar_one()

    again = upload(committee, village, GOOD.encode("utf-8"))

    assert "新增 0 户，更新 0 户，未变 3 户" in again.get_data(as_text=True)
    assert household_count(session) == 3
    assert session.execute(select(func.count(Person.id))).scalar_one() == persons_before


def test_reimport_with_a_new_phone_updates_that_household_only(session, village, committee):
    upload(committee, village, GOOD.encode("utf-8"))
    changed = GOOD.replace("13800000002", "13800000009")
    response = upload(committee, village, changed.encode("utf-8"))
    assert "新增 0 户，更新 1 户，未变 2 户" in response.get_data(as_text=True)


def test_a_file_with_bad_rows_writes_nothing_and_lists_every_bad_row(session, village, committee):
    bad = (
        HEADER
        + f"张建国,{ID_1},,13800000001,第一网格,\n"  # line 2: fine
        + ",,1234,,,\n"  # line 3: no head name
        + "王志强,110105194912310021,,,,\n"  # line 4: wrong check digit
        + "刘桂兰,,12,,,\n"  # line 5: last four digits malformed
        + "赵德胜,,5678,1380000,,\n"  # line 6: phone too short
        + f"孙玉兰,{ID_1},,,,\n"  # line 7: same ID as line 2
    )
    response = upload(committee, village, bad.encode("utf-8"))

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for line, words in [(3, "户主姓名为空"), (4, "身份证号不正确"), (5, "后四位"),
                        (6, "手机号应为 11 位数字"), (7, "身份证号与第 2 行重复")]:
        assert f"第 {line} 行：" in text and words in text, (line, words)
    assert "第 2 行：" not in text
    # A malformed ID is one problem, not also "no ID at all".
    assert "缺少户号或身份证号" not in text
    assert household_count(session) == 0
    assert session.execute(select(func.count(Region.id))).scalar_one() == 3  # no grid made


def test_id_number_registered_in_another_village_is_refused_without_saying_where(
    app, session, village, committee
):
    upload(committee, village, GOOD.encode("utf-8"))
    other = make_region(session, "东风社区", Level.VILLAGE, village.parent)
    other_committee = app.test_client()
    user = make_user(session, Role.VILLAGE_COMMITTEE, other)
    other_committee.post("/login", data={"phone": user.phone, "password": PASSWORD})

    response = upload(other_committee, other, f"户主姓名,身份证号\n孙玉兰,{ID_1}\n".encode())

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第 2 行：该身份证号已在其他住户登记" in text
    assert "和平村" not in text and "张建国" not in text
    assert household_count(session) == 3


def test_gbk_file_from_excel_is_read(session, village, committee):
    response = upload(committee, village, GOOD.encode("gbk"))
    assert response.status_code == 200
    assert household_count(session) == 3
    names = session.execute(select(Person.name).where(Person.is_head.is_(True))).scalars()
    assert "张建国" in set(names)


def test_unreadable_encoding_is_refused_with_a_clear_message(session, village, committee):
    garbage = "户主姓名,户号\n张三,1\n".encode("utf-16")
    response = upload(committee, village, garbage)
    assert response.status_code == 422
    assert "另存为" in response.get_data(as_text=True)
    assert household_count(session) == 0


def test_xlsx_roster(session, village, committee):
    book = Workbook()
    sheet = book.active
    sheet.append(["户号", "户主姓名", "手机号", "网格"])
    sheet.append([1, "张建国", 13800000001, "第一网格"])  # numbers as Excel stores them
    sheet.append([2, "王志强", None, "第二网格"])
    buffer = io.BytesIO()
    book.save(buffer)

    response = upload(committee, village, buffer.getvalue(), "roster.xlsx")

    assert response.status_code == 200, response.get_data(as_text=True)
    phones = session.execute(select(Person.phone).where(Person.name == "张建国")).scalars().all()
    assert phones == ["13800000001"]
    numbers = session.execute(select(Household.number).order_by(Household.number)).scalars().all()
    assert numbers == ["1", "2"]


def test_missing_columns_and_old_excel_are_refused(session, village, committee):
    no_key = upload(committee, village, "户主姓名,手机号\n张三,13800000001\n".encode())
    assert no_key.status_code == 422 and "户号" in no_key.get_data(as_text=True)
    xls = upload(committee, village, b"\xd0\xcf\x11\xe0", "roster.xls")
    assert xls.status_code == 422 and ".xlsx" in xls.get_data(as_text=True)
    empty = upload(committee, village, b"", "empty.csv")
    assert empty.status_code in (400, 422)
    assert household_count(session) == 0
