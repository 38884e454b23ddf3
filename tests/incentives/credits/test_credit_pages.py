"""Staff issue, print and revoke credits from their budget; a villager scans one and claims it."""

import re
import uuid
from datetime import date
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select

from incentives.auth.roles import Role
from incentives.campaigns.services import CampaignRuleSpec, launch_campaign
from incentives.credits.services import issue_credits
from incentives.places.models import Region
from incentives.rules.models import Category, Per
from ledger.balances import reconcile
from ledger.models import Account, utcnow
from ledger.transaction import run_in_transaction
from redeem.codes import format_credit_code
from redeem.credit_models import Credit, CreditBatch
from redeem.credits import InvalidBatch
from tests.factories import make_household, make_user

FORM = {"name": "重阳节敬老", "points": "20", "count": "16", "expires_on": "2030-10-31"}


def balance(session, account_id):
    session.rollback()  # a fresh snapshot: the app wrote through its own connection
    session.expire_all()
    return session.get(Account, account_id).balance


def issue_through_page(client, place, **overrides):
    data = {"source": f"village:{place.village.id}", "key": uuid.uuid4().hex} | FORM | overrides
    return client.post("/credits/new", data=data)


def pdf_text(data: bytes) -> tuple[str, list]:
    document = pdfium.PdfDocument(data)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    return text, [page.render(scale=1).to_pil().convert("L") for page in document]


def test_the_committee_issues_from_the_village_pool_and_prints_a_sheet(app, session, place, login_as):
    committee = login_as(place.committee)
    assert "和平村积分池（剩余 1,000 分）" in committee.get("/credits/new").get_data(as_text=True)

    created = issue_through_page(committee, place)

    assert created.status_code == 302, created.get_data(as_text=True)
    batch = session.execute(select(CreditBatch)).scalar_one()
    assert (batch.points, batch.count, batch.expires_on) == (20, 16, date(2030, 10, 31))
    assert balance(session, place.pool.id) == 1000 - 320
    page = committee.get(created.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="escrow">320<' in page

    sheet = committee.get(f"/credits/batches/{batch.id}/sheet.pdf")
    assert sheet.status_code == 200 and sheet.headers["Content-Type"] == "application/pdf"
    text, pages = pdf_text(sheet.get_data())
    assert len(pages) == 2  # 16 coupons, 15 to a page
    codes = [format_credit_code(c.code) for c in batch.credits]
    for code in codes:
        assert code in text
    assert "有效期至 2030-10-31" in text and "重阳节敬老" in text and "积分券" in text
    assert all(image.getextrema() == (0, 255) for image in pages)  # QR codes drawn, not blank


def test_a_budget_too_small_is_refused_with_what_is_left(app, session, place, login_as):
    committee = login_as(place.committee)
    refused = issue_through_page(committee, place, points="100", count="11")
    assert refused.status_code == 409
    assert "预算不足：剩余 1000 分，这批积分券共需 1100 分" in refused.get_data(as_text=True)
    assert session.execute(select(CreditBatch)).first() is None
    bad = issue_through_page(committee, place, count="0")
    assert bad.status_code == 400 and "张数须在 1 到 1000 之间" in bad.get_data(as_text=True)
    forged = issue_through_page(committee, place, source=f"village:{place.other.id}")
    assert forged.status_code == 400


def test_a_villager_scans_and_claims_a_credit_once(app, session, place, login_as):
    committee = app.test_client()
    committee.post("/login", data={"phone": place.committee.phone, "password": "secret123"})
    issue_through_page(committee, place, count="2")
    code = session.execute(select(Credit.code).order_by(Credit.id)).scalars().first()
    villager = login_as(place.villager)

    page = villager.get(f"/credits/c/{code}")
    assert page.status_code == 200 and "领取到我家" in page.get_data(as_text=True)
    claimed = villager.post(f"/credits/c/{code}")
    assert claimed.status_code == 302
    assert balance(session, place.household.account_id) == 20

    again = villager.post(f"/credits/c/{code}")
    assert again.status_code == 409 and "使用过" in again.get_data(as_text=True)
    shown = villager.get(f"/credits/c/{code.lower()}")
    assert shown.status_code == 409 and "每张券只能用一次" in shown.get_data(as_text=True)
    assert balance(session, place.household.account_id) == 20
    assert reconcile(session).ok


def test_typing_a_code_catches_a_typo(app, session, place, login_as):
    committee = app.test_client()
    committee.post("/login", data={"phone": place.committee.phone, "password": "secret123"})
    issue_through_page(committee, place, count="1")
    code = session.execute(select(Credit.code)).scalar_one()
    villager = login_as(place.villager)
    typo = ("1" if code[0] != "1" else "2") + code[1:]

    refused = villager.post("/credits/claim", data={"code": typo})
    assert refused.status_code == 400 and "校验位不符" in refused.get_data(as_text=True)
    found = villager.post("/credits/claim", data={"code": format_credit_code(code).lower()})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/credits/c/{code}")
    assert villager.get(f"/credits/c/{typo}").status_code == 400  # a mistyped link says so too


def test_a_villager_of_another_village_is_refused(app, session, place, login_as):
    committee = app.test_client()
    committee.post("/login", data={"phone": place.committee.phone, "password": "secret123"})
    issue_through_page(committee, place, count="1")
    code = session.execute(select(Credit.code)).scalar_one()
    outsider_home = make_household(session, place.other, "李德胜", phone="13900000102")
    outsider = login_as(make_user(session, person=outsider_home.members[0], phone="13900000102"))

    refused = outsider.post(f"/credits/c/{code}")
    assert refused.status_code == 403 and "使用范围" in refused.get_data(as_text=True)
    assert balance(session, outsider_home.account_id) == 0


def test_revoking_one_and_the_rest_returns_points_to_the_pool(app, session, place, login_as):
    committee = login_as(place.committee)
    issue_through_page(committee, place, count="3")
    batch = session.execute(select(CreditBatch)).scalar_one()
    first = batch.credits[0]

    assert committee.post(f"/credits/{first.id}/revoke", data={"reason": "印坏了"}).status_code == 302
    assert balance(session, place.pool.id) == 1000 - 60 + 20
    revoke_url = f"/credits/batches/{batch.id}/revoke"
    assert committee.post(revoke_url, data={"reason": ""}).status_code == 400
    assert committee.post(revoke_url, data={"reason": "活动取消"}).status_code == 302
    assert balance(session, place.pool.id) == 1000
    villager = app.test_client()
    villager.post("/login", data={"phone": place.villager.phone, "password": "secret123"})
    refused = villager.post(f"/credits/c/{first.code}")
    assert refused.status_code == 409 and "已被作废" in refused.get_data(as_text=True)


def test_pages_are_for_the_issuing_staff_only(app, session, place, login_as):
    committee = app.test_client()
    committee.post("/login", data={"phone": place.committee.phone, "password": "secret123"})
    issue_through_page(committee, place, count="1")
    batch = session.execute(select(CreditBatch)).scalar_one()
    credit_id = batch.credits[0].id

    for user in (place.other_committee, place.clerk, place.villager,
                 make_user(session, Role.WOMENS_FEDERATION, place.township)):
        client = app.test_client()
        client.post("/login", data={"phone": user.phone, "password": "secret123"})
        for url in (f"/credits/batches/{batch.id}", f"/credits/batches/{batch.id}/sheet.pdf"):
            assert client.get(url).status_code == 404, (user.phone, url)
        assert client.post(f"/credits/{credit_id}/revoke", data={"reason": "x"}).status_code == 404
        assert client.post(f"/credits/batches/{batch.id}/revoke", data={"reason": "x"}).status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/credits/batches/{batch.id}").status_code == 302  # to the login page


def test_campaign_staff_issue_from_the_campaign_budget(app, session, place, login_as):
    campaign = run_in_transaction(session, lambda: launch_campaign(
        session, session.get(Region, place.township.id), "user:fulian", name="最美家庭", sponsor="县妇联",
        starts_on=date(2026, 1, 1), ends_on=date(2030, 12, 31), budget=500,
        villages=[session.get(Region, place.village.id), session.get(Region, place.other.id)],
        rules=[CampaignRuleSpec("最美家庭", Category.FILIAL, 30, Per.OCCURRENCE.value)]))
    staff = login_as(make_user(session, Role.WOMENS_FEDERATION, place.township))
    form = staff.get("/credits/new").get_data(as_text=True)
    assert f"campaign:{campaign.id}" in form and f"village:{place.village.id}" not in form

    created = staff.post("/credits/new",
                         data={"source": f"campaign:{campaign.id}", "key": "k"} | FORM | {"count": "5"})

    assert created.status_code == 302, created.get_data(as_text=True)
    assert balance(session, campaign.budget_account_id) == 400
    batch = session.execute(select(CreditBatch)).scalar_one()
    assert batch.campaign_id == campaign.id
    assert re.search(r"和平村.*石桥村", staff.get(created.headers["Location"]).get_data(as_text=True))


def test_a_scan_before_logging_in_comes_back_to_the_credit(app, session, place):
    committee = app.test_client()
    committee.post("/login", data={"phone": place.committee.phone, "password": "secret123"})
    issue_through_page(committee, place, count="1")
    code = session.execute(select(Credit.code)).scalar_one()
    phone = app.test_client()

    scanned = phone.get(f"/credits/c/{code}")
    assert scanned.status_code == 302 and "/login" in scanned.headers["Location"]
    logged_in = phone.post(scanned.headers["Location"],
                           data={"phone": place.villager.phone, "password": "secret123"})
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == f"/credits/c/{code}"


def test_bad_input_is_a_4xx_never_a_5xx(app, session, place, login_as):
    committee = login_as(place.committee)
    huge = "9" * 25
    for url in (f"/credits/batches/{huge}", f"/credits/batches/{huge}/sheet.pdf",
                f"/credits/c/{'A' * 300}", f"/cards/households/{huge}", f"/cards/{huge}/card.pdf"):
        assert committee.get(url).status_code == 404, url
    assert committee.post(f"/credits/{huge}/revoke", data={"reason": "x"}).status_code == 404
    assert committee.post(f"/cards/households/{huge}/issue", data={"pin": "2580"}).status_code == 404
    garbage = issue_through_page(committee, place, points="abc", count="-1", expires_on="2026-13-45")
    assert garbage.status_code == 400
    past = issue_through_page(committee, place, expires_on="2020-01-01")
    assert past.status_code == 400 and "有效期须在今天到 5 年之内" in past.get_data(as_text=True)
    for far in ("9999-12-31", "2099-01-01"):
        refused = issue_through_page(committee, place, expires_on=far)
        assert refused.status_code == 400 and "有效期须在今天到 5 年之内" in refused.get_data(as_text=True)
    assert committee.get("/cards", query_string={"q": "%_'\""}).status_code == 200
    assert committee.post("/credits/claim", data={"code": "x" * 400}).status_code == 400
    assert committee.post("/credits/claim", data={"code": "http://[x/credits/c/ABC"}).status_code == 400


def test_an_expiry_too_far_ahead_is_refused_by_the_service_too(app, session, place):
    with pytest.raises(InvalidBatch) as refused:
        run_in_transaction(session, lambda: issue_credits(
            session, place.committee, f"village:{place.village.id}", name="x", points=1, count=1,
            expires_on=date(9999, 12, 31), zone=ZoneInfo("Asia/Shanghai"), now=utcnow(),
        ))
    assert refused.value.params == {"field": "expires_on"}
    assert session.execute(select(CreditBatch)).first() is None


def test_a_batch_form_submitted_twice_issues_once(app, session, place, login_as):
    committee = login_as(place.committee)
    page = committee.get("/credits/new").get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([0-9a-f]{32})"', page).group(1)

    first = issue_through_page(committee, place, key=key)
    again = issue_through_page(committee, place, key=key)

    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    changed = issue_through_page(committee, place, key=key, count="3")
    assert changed.status_code == 409 and "已经提交过" in changed.get_data(as_text=True)
    assert issue_through_page(committee, place, key="").status_code == 400
    assert len(session.execute(select(CreditBatch)).scalars().all()) == 1
    assert balance(session, place.pool.id) == 1000 - 320
