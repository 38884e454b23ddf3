"""Reports tie out to the ledger, the XLSX carries the same numbers, and only the staff above a
node see its reports."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from incentives.auth.roles import Role
from incentives.awards.services import grant_award
from incentives.places.models import Household, Level
from incentives.reports.queries import REPORTS, Period, participation, points_by_category, points_by_village
from incentives.rules.models import Category
from incentives.rules.standard_catalogue import publish_standard_catalogue
from ledger import AccountKind, open_account, reverse
from ledger.models import Entry
from ledger.transaction import run_in_transaction
from tests.factories import fund, make_household, make_region, make_user, spend

TZ = "Asia/Shanghai"


def this_year() -> int:
    return datetime.now(UTC).astimezone(ZoneInfo(TZ)).year


@pytest.fixture
def county(session):
    """Two townships; 和平村 (3 households) and 东风社区 (2) in one, 石桥村 (1) in the other.
    Points: awards under the catalogue, a plain issue, redemptions, a reversal."""
    county = make_region(session, "平安县", Level.COUNTY)
    heping = make_region(session, "和平镇", Level.TOWNSHIP, county)
    shiqiao = make_region(session, "石桥乡", Level.TOWNSHIP, county)
    v1 = make_region(session, "和平村", Level.VILLAGE, heping)
    v2 = make_region(session, "东风社区", Level.VILLAGE, heping)
    v3 = make_region(session, "石桥村", Level.VILLAGE, shiqiao)
    h = [make_household(session, v) for v in (v1, v1, v1, v2, v2, v3)]
    rules = run_in_transaction(session, lambda: publish_standard_catalogue(session, county, "test"))
    by_category = {}
    for rule in rules:
        by_category.setdefault((rule.category, rule.current.points > 0), rule)
    filial = by_category[(Category.FILIAL, True)]
    env = by_category[(Category.ENVIRONMENT, True)]
    deduction = next(r for r in rules if r.current.points < 0)

    def award(household, rule, source_id):
        return run_in_transaction(session, lambda: grant_award(
            session, household, rule.current, 1, source_type="test", source_id=source_id,
            actor="test", reason=rule.current.name,
        ))

    award(h[0], filial, 1)
    award(h[1], env, 2)
    award(h[3], filial, 3)
    award(h[5], env, 4)
    award(h[0], deduction, 5)
    shop = run_in_transaction(
        session, lambda: open_account(session, AccountKind.SUPERMARKET, "t:shop", "和平村超市")
    )
    accounts = {x.id: session.get(type(shop), x.account_id) for x in h}
    fund(session, accounts[h[2].id], 40)  # not under a rule
    spend(session, accounts[h[2].id], shop, 15)
    wrong = spend(session, accounts[h[2].id], shop, 5)
    run_in_transaction(session, lambda: reverse(session, wrong.id, key="t:rev", actor="test", reason="退货"))
    return {"county": county, "townships": (heping, shiqiao), "villages": (v1, v2, v3), "households": h,
            "shop": shop}


def ledger_sum(session, kind, *, into=True, households=None):
    side = Entry.to_account_id if into else Entry.from_account_id
    accounts = select(Household.account_id)
    if households is not None:
        accounts = accounts.where(Household.id.in_(households))
    return session.scalar(
        select(func.coalesce(func.sum(Entry.amount), 0)).where(Entry.kind == kind, side.in_(accounts))
    )


def test_village_report_ties_out_to_the_ledger(app, session, county):
    period = Period.year_in(this_year(), TZ)
    with app.test_request_context():
        report = points_by_village(session, county["county"], period)
    rows = {r[0]: r for r in report.rows}
    assert list(rows) == ["和平村", "东风社区", "石桥村"]
    total = report.total
    assert total[1] == ledger_sum(session, "earn")
    assert total[2] == ledger_sum(session, "deduct", into=False)
    assert total[3] == ledger_sum(session, "redeem", into=False) == 20
    assert total[4] == 5  # the reversed redemption came back
    held = sum(session.get(type(county["shop"]), h.account_id).balance for h in county["households"])
    assert total[7] == held
    # A township's report holds only its own villages and adds up to their rows.
    with app.test_request_context():
        shiqiao = points_by_village(session, county["townships"][1], period)
    assert [r[0] for r in shiqiao.rows] == ["石桥村"] and shiqiao.rows[0] == rows["石桥村"]


def test_category_report_sums_to_the_issued_total(app, session, county):
    period = Period.year_in(this_year(), TZ)
    with app.test_request_context():
        categories = points_by_category(session, county["county"], period)
        villages = points_by_village(session, county["county"], period)
    assert categories.total[1] == villages.total[1]
    assert categories.rows[-1][1] == 40  # the plain issue, not under a rule
    assert categories.total[2] == villages.total[2]


def test_participation_counts_households_that_earned(app, session, county):
    period = Period.year_in(this_year(), TZ)
    month = datetime.now(UTC).astimezone(ZoneInfo(TZ)).month
    with app.test_request_context():
        report = participation(session, county["county"], period)
    row = report.rows[month - 1]
    assert row[1:] == (5, 6, "83.3")  # households 0, 1, 2 (funded), 3, 5 of six
    assert all(r[1] == 0 for r in report.rows if r is not row)


@pytest.mark.parametrize("key", sorted(REPORTS))
def test_xlsx_cells_equal_the_page_numbers(app, session, county, login_as, key):
    admin = make_user(session, Role.COUNTY_ADMIN, county["county"])
    client = login_as(admin)
    year = this_year()
    response = client.get(f"/reports/{key}.xlsx?region={county['county'].id}&year={year}")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    with app.test_request_context():
        report = REPORTS[key](session, county["county"], Period.year_in(year, TZ))
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=2 + len(report.rows))]
    expected = [
        [Decimal(v) if c.kind == "percent" else str(v) if c.kind == "text" else v
         for c, v in zip(report.columns, row, strict=True)]
        for row in report.rows
    ]
    assert [[Decimal(str(v)) if isinstance(v, float) else v for v in row] for row in cells] == expected
    page = client.get(f"/reports/{key}?region={county['county'].id}&year={year}")
    assert page.status_code == 200


def test_supermarket_turnover_is_what_the_shop_received(app, session, county):
    from incentives.reports.queries import supermarket_turnover

    with app.test_request_context():
        report = supermarket_turnover(session, county["county"], Period.year_in(this_year(), TZ))
    (row,) = report.rows
    session.expire_all()
    balance = session.get(type(county["shop"]), county["shop"].id).balance
    assert row[0] == "和平村超市" and row[-1] == 15 == balance


ALLOWED = {Role.TOWNSHIP_ADMIN, Role.COUNTY_ADMIN, Role.WOMENS_FEDERATION, Role.YOUTH_LEAGUE}


@pytest.mark.parametrize("role", list(Role))
def test_permission_matrix(session, county, login_as, role):
    heping = county["townships"][0]
    village = county["villages"][0]
    where = {Role.COUNTY_ADMIN: county["county"], Role.TOWNSHIP_ADMIN: heping,
             Role.WOMENS_FEDERATION: heping, Role.YOUTH_LEAGUE: heping,
             Role.CLERK: village}.get(role, village)
    client = login_as(make_user(session, role, where))
    expected = 200 if role in ALLOWED else 404
    for url in ("/reports", "/reports/villages", "/reports/participation.xlsx",
                f"/reports/villages?region={village.id}", f"/reports/villages.xlsx?region={heping.id}"):
        assert client.get(url).status_code == expected, url
    # Outside the subtree: nobody below the county sees the other township.
    other = county["townships"][1]
    outside = 200 if role == Role.COUNTY_ADMIN else 404
    assert client.get(f"/reports/villages?region={other.id}").status_code == outside
    assert client.get(f"/reports/villages.xlsx?region={other.id}").status_code == outside


def test_reports_need_a_login_and_a_sane_year(client, session, county, login_as):
    assert client.get("/reports/villages").status_code == 302
    login_as(make_user(session, Role.COUNTY_ADMIN, county["county"]))
    assert client.get("/reports/villages?year=99999").status_code == 400
    assert client.get("/reports/nothing").status_code == 404
    assert client.get("/reports/villages?region=99999999999999999999").status_code in (400, 404)


def test_an_award_counts_in_the_period_of_its_ledger_entry(app, session, county):
    """An award is written a moment before its entry: with the period ending between the two,
    neither the category report nor the village report counts it, and both still agree."""
    from incentives.awards.models import Award

    award = session.execute(select(Award).where(Award.points > 0).order_by(Award.id.desc())).scalars().first()
    entry = session.get(Entry, award.entry_id)
    assert award.created_at < entry.created_at
    start = datetime(2000, 1, 1)
    cut = Period(this_year(), tuple([start] * 12 + [entry.created_at]))  # the entry falls just outside
    with app.test_request_context():
        categories = points_by_category(session, county["county"], cut)
        villages = points_by_village(session, county["county"], cut)
    after = Period(this_year(), tuple([start] * 12 + [entry.created_at + timedelta(microseconds=1)]))
    with app.test_request_context():
        full = points_by_category(session, county["county"], after)
    assert categories.total[1] == villages.total[1] == full.total[1] - award.points
    assert sum(r[1] for r in categories.rows[:-1]) == sum(r[1] for r in full.rows[:-1]) - award.points


def test_the_default_year_is_the_local_one(session, county, login_as, monkeypatch):
    # 01:00 on 1 January 2027 in Shanghai is still 2026 in UTC: the village is in 2027.
    monkeypatch.setattr("incentives.reports.views.utcnow", lambda: datetime(2026, 12, 31, 17, 0))
    client = login_as(make_user(session, Role.COUNTY_ADMIN, county["county"]))
    page = client.get("/reports").get_data(as_text=True)
    assert 'name="year" value="2027"' in page
