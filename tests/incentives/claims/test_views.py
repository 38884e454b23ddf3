"""The claims pages over HTTP: who may open and post what (outsiders get 404, never data), bad
input of every kind answered with a 4xx in Chinese and nothing written, and the pages' words."""

import io
import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from incentives.claims import services
from incentives.claims.models import Claim, ClaimState
from ledger.models import utcnow
from tests.factories import PASSWORD
from tests.incentives.claims.conftest import act, jpeg

NOW = utcnow()  # the pages run on the real clock, so the claims made here do too
TODAY = NOW.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()


def client_for(app, user):
    client = app.test_client()
    response = client.post("/login", data={"phone": user.phone, "password": PASSWORD})
    assert response.status_code == 302
    return client


def fresh(session, obj=None):
    """End the test session's read snapshot: the app wrote through its own connection."""
    session.rollback()
    if obj is not None:
        session.refresh(obj)
    return obj


def count_claims(session) -> int:
    fresh(session)
    return session.execute(select(func.count(Claim.id))).scalar_one()


def report_form(world, photos=(), **fields):
    data = {
        "rule": str(world.rules.river.id),
        "amount": "2",
        "done_on": TODAY.isoformat(),
        "note": "清理河道垃圾",
        "photos": [(io.BytesIO(p), f"photo{i}.jpg") for i, p in enumerate(photos)],
    }
    data.update(fields)
    return data


@pytest.fixture
def reported(app, session, world):
    """H1's report of river cleaning with one photo, as posted through the form."""
    return act(session, services.submit_claim, world.users.villager, rule_id=world.rules.river.id,
               amount="2", done_on=TODAY, photos=[_stored_photo(app)], now=NOW)


def _stored_photo(app):
    from incentives.claims.photos import photo_dir, store_photo

    # The same folder the app serves from (PHOTO_DIR, set for each test in conftest).
    return store_photo(jpeg(2400, 1800), photo_dir(app))


# -- the villager's report -------------------------------------------------------------------


def test_report_form_works_on_a_phone(app, world):
    page = client_for(app, world.users.villager).get("/claims/new").get_data(as_text=True)
    file_input = re.search(r'<input[^>]*type="file"[^>]*>', page).group(0)
    assert 'accept="image/*"' in file_input and "capture" in file_input and "multiple" in file_input
    assert 'enctype="multipart/form-data"' in page
    assert 'inputmode="decimal"' in page and 'type="date"' in page
    assert "河道清理 · 每小时 5 分 · 需照片" in page
    assert "红白喜事简办 · 每次 20 分" in page
    assert "照料独居老人" not in page and "乱倒垃圾" not in page  # not self-reportable
    assert "东风社区义务巡逻" not in page  # another village's rule


def test_villager_reports_with_a_photo_and_follows_it(app, session, world):
    client = client_for(app, world.users.villager)
    response = client.post("/claims/new", data=report_form(world, photos=[jpeg(3000, 2000)]),
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    fresh(session)
    claim = session.execute(select(Claim)).scalar_one()
    assert response.headers["Location"] == f"/claims/{claim.id}"
    assert (claim.quantity, claim.points, claim.state) == (120, 10, ClaimState.SUBMITTED)

    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "已提交，请等待网格员或村委审核。" in page
    assert "待审核" in page and "2小时" in page and "+10" in page
    photo_url = f"/claims/{claim.id}/photos/{claim.photos[0].sha256}.jpg"
    assert photo_url in page and 'width="1600" height="1067"' in page

    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "private" in photo.headers["Cache-Control"]
    assert photo.headers["X-Content-Type-Options"] == "nosniff"

    mine = client.get("/claims").get_data(as_text=True)
    assert "我的申报" in mine and "河道清理" in mine and "待审核" in mine


@pytest.mark.parametrize(
    ("fields", "photos", "status", "message"),
    [
        ({}, [], 400, "这一项需要上传照片作为证明。"),
        ({}, [b"GIF89a not really"], 400, "只能上传 JPG、PNG 或 WebP 格式的照片。"),
        ({"done_on": "2099-01-01"}, ["ok"], 400, "日期不能晚于今天。"),
        ({"done_on": "去年"}, ["ok"], 422, "日期格式不对，请重新选择。"),
        ({"amount": "两个"}, ["ok"], 400, "数量请填写数字。"),
        ({"amount": ""}, ["ok"], 422, "请填写数量"),
        ({"rule": "abc"}, ["ok"], 422, "请选择一项"),
        ({"rule": "999999"}, ["ok"], 404, "这条细则在本村不适用"),
        ({"note": "长" * 501}, ["ok"], 422, "说明最多 500 字。"),
    ],
    ids=["no-photo", "not-image", "future", "bad-date", "bad-amount", "no-amount", "bad-rule",
         "unknown-rule", "long-note"],
)
def test_bad_reports_get_a_4xx_in_chinese_and_nothing_is_written(
    app, session, world, fields, photos, status, message
):
    photos = [jpeg() if p == "ok" else p for p in photos]
    response = client_for(app, world.users.villager).post(
        "/claims/new", data=report_form(world, photos=photos, **fields),
        content_type="multipart/form-data",
    )
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert count_claims(session) == 0


def test_an_upload_over_the_request_limit_is_413(app, session, world):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    response = client_for(app, world.users.villager).post(
        "/claims/new", data=report_form(world, photos=[b"\xff\xd8" + b"0" * 60_000]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "上传的文件太大" in response.get_data(as_text=True)
    assert count_claims(session) == 0


def test_staff_without_a_household_cannot_report(app, world):
    client = client_for(app, world.users.committee)
    assert client.get("/claims/new").status_code == 404
    assert "还没有关联到住户" in client.get("/claims").get_data(as_text=True)


# -- who sees what -----------------------------------------------------------------------------

# GET pages and who may open them; everyone else gets 404 (anonymous: the login page).
PAGES = {
    "/claims": {"villager", "neighbour", "outsider", "grid_worker", "other_grid_worker", "committee",
                "other_committee", "township_admin", "clerk"},
    "/claims/new": {"villager", "neighbour", "outsider"},
    "claim": {"villager", "grid_worker", "committee", "township_admin"},
    "photo": {"villager", "grid_worker", "committee", "township_admin"},
    "/claims/review": {"grid_worker", "other_grid_worker", "committee", "other_committee"},
    "notice": {"villager", "neighbour", "grid_worker", "other_grid_worker", "committee",
               "township_admin", "clerk"},
    "deduction": {"committee"},
    "bulk": {"committee"},
}


def test_every_page_is_open_only_to_those_it_is_for(app, world, reported):
    v1 = world.regions.v1.id
    urls = {
        "claim": f"/claims/{reported.id}",
        "photo": f"/claims/{reported.id}/photos/{reported.photos[0].sha256}.jpg",
        "notice": f"/claims/notice?village={v1}",
        "deduction": f"/claims/deductions/new?village={v1}",
        "bulk": f"/claims/bulk?village={v1}",
    }
    for name in vars(world.users):
        client = client_for(app, getattr(world.users, name))
        for page, allowed in PAGES.items():
            response = client.get(urls.get(page, page))
            expected = 200 if name in allowed else 404
            assert response.status_code == expected, (name, page)
            if expected == 404:
                assert "张建国" not in response.get_data(as_text=True), (name, page)
    anonymous = app.test_client()
    for page in PAGES:
        response = anonymous.get(urls.get(page, page))
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_photo_of_another_claim_is_not_served_through_this_one(app, session, world, reported):
    other = act(session, services.submit_claim, world.users.neighbour, rule_id=world.rules.wedding.id,
                amount="1", done_on=TODAY, now=NOW)
    client = client_for(app, world.users.neighbour)
    sha = reported.photos[0].sha256
    assert client.get(f"/claims/{other.id}/photos/{sha}.jpg").status_code == 404
    assert client.get(f"/claims/{other.id}/photos/{'0' * 64}.jpg").status_code == 404


# -- review over HTTP ------------------------------------------------------------------------------


def test_committee_reviews_from_the_queue(app, session, world, reported):
    client = client_for(app, world.users.committee)
    queue = client.get("/claims/review").get_data(as_text=True)
    assert "待审核（1）" in queue and "张建国家" in queue
    assert "录入扣分" in queue and "集体奖励" in queue

    page = client.get(f"/claims/{reported.id}").get_data(as_text=True)
    assert 'data-testid="review"' in page and "通过" in page and "不通过" in page

    response = client.post(f"/claims/{reported.id}/approve")
    assert response.status_code == 302 and response.headers["Location"] == "/claims/review"
    fresh(session, reported)
    assert reported.state == ClaimState.IN_NOTICE

    again = client.post(f"/claims/{reported.id}/approve")
    assert again.status_code == 409
    assert "这一项已经审核过（公示中），不能重复审核。" in again.get_data(as_text=True)


def test_reviewing_is_refused_to_outsiders_with_404_and_to_insiders_with_a_reason(
    app, session, world, reported
):
    for name in ("other_committee", "other_grid_worker", "neighbour", "outsider"):
        client = client_for(app, getattr(world.users, name))
        assert client.post(f"/claims/{reported.id}/approve").status_code == 404, name
        assert client.post(f"/claims/{reported.id}/reject",
                           data={"reject-reason": "不行"}).status_code == 404, name
    own = client_for(app, world.users.villager).post(f"/claims/{reported.id}/approve")
    assert own.status_code == 403
    assert "您没有审核这户申报的权限。" in own.get_data(as_text=True)
    fresh(session, reported)
    assert reported.state == ClaimState.SUBMITTED
    assert client_for(app, world.users.committee).post("/claims/999999/approve").status_code == 404


def test_rejecting_needs_a_reason_which_the_villager_then_reads(app, session, world, reported):
    client = client_for(app, world.users.grid_worker)
    empty = client.post(f"/claims/{reported.id}/reject", data={"reject-reason": ""})
    assert empty.status_code == 422 and "请填写理由" in empty.get_data(as_text=True)
    fresh(session, reported)
    assert reported.state == ClaimState.SUBMITTED

    assert client.post(f"/claims/{reported.id}/reject",
                       data={"reject-reason": "照片看不出是河道"}).status_code == 302
    page = client_for(app, world.users.villager).get(f"/claims/{reported.id}").get_data(as_text=True)
    assert "未通过" in page and "照片看不出是河道" in page


# -- notice and objections over HTTP ---------------------------------------------------------


@pytest.fixture
def in_notice(session, world, reported):
    return act(session, services.approve_claim, world.users.committee, reported.id, now=NOW)


def test_the_notice_page_shows_items_and_takes_objections(app, session, world, in_notice):
    v1 = world.regions.v1.id
    client = client_for(app, world.users.neighbour)
    page = client.get("/claims/notice").get_data(as_text=True)  # their own village by default
    assert "和平村 · 公示" in page and "先公示 7 天" in page
    assert "张建国家 · 河道清理" in page and "+10" in page and "公示至" in page
    assert "<summary>提出异议</summary>" in page
    assert f'action="/claims/{in_notice.id}/objections"' in page

    staff = client_for(app, world.users.township_admin).get(f"/claims/notice?village={v1}")
    assert "张建国家" in staff.get_data(as_text=True)
    assert "/objections" not in staff.get_data(as_text=True)  # staff read it; villagers object

    empty = client.post(f"/claims/{in_notice.id}/objections", data={"object-reason": " "})
    assert empty.status_code == 422 and "请填写异议理由" in empty.get_data(as_text=True)
    outsider = client_for(app, world.users.outsider)
    assert outsider.post(f"/claims/{in_notice.id}/objections",
                         data={"object-reason": "x"}).status_code == 404
    committee = client_for(app, world.users.committee)
    refused = committee.post(f"/claims/{in_notice.id}/objections", data={"object-reason": "x"})
    assert refused.status_code == 403
    assert "只有本村村民可以对公示事项提出异议" in refused.get_data(as_text=True)

    response = client.post(f"/claims/{in_notice.id}/objections", data={"object-reason": "他那天在外地打工"})
    assert response.status_code == 302 and response.headers["Location"] == f"/claims/notice?village={v1}"
    fresh(session, in_notice)
    assert in_notice.state == ClaimState.OBJECTED

    queue = committee.get("/claims/review").get_data(as_text=True)
    assert "有异议待处理（1）" in queue
    claim_page = committee.get(f"/claims/{in_notice.id}").get_data(as_text=True)
    assert "他那天在外地打工" in claim_page and 'data-testid="resolve"' in claim_page
    # The household reads the objection, but not who made it.
    neighbour_name = world.users.neighbour.name
    assert neighbour_name in claim_page
    own = client_for(app, world.users.villager).get(f"/claims/{in_notice.id}").get_data(as_text=True)
    assert "他那天在外地打工" in own and neighbour_name not in own

    grid = client_for(app, world.users.grid_worker)
    assert grid.post(f"/claims/{in_notice.id}/uphold").status_code == 403
    assert committee.post(f"/claims/{in_notice.id}/withdraw",
                          data={"withdraw-reason": ""}).status_code == 422
    assert committee.post(f"/claims/{in_notice.id}/uphold",
                          data={"uphold-note": "已核实"}).status_code == 302
    fresh(session, in_notice)
    assert in_notice.state == ClaimState.IN_NOTICE


def test_committee_sets_the_notice_period(app, session, world):
    v1 = world.regions.v1.id
    client = client_for(app, world.users.committee)
    assert "公示设置" in client.get(f"/claims/notice?village={v1}").get_data(as_text=True)
    bad = client.post(f"/claims/notice/days?village={v1}", data={"days": "99"})
    assert bad.status_code == 422 and "公示天数须在 0 到 30 之间" in bad.get_data(as_text=True)
    assert client.post(f"/claims/notice/days?village={v1}", data={"days": "0"}).status_code == 302
    assert "本村不设公示期" in client.get(f"/claims/notice?village={v1}").get_data(as_text=True)
    assert services.notice_days_for(session, v1) == 0
    grid = client_for(app, world.users.grid_worker)
    assert grid.post(f"/claims/notice/days?village={v1}", data={"days": "3"}).status_code == 404


def test_the_cut_is_shown_on_the_claim_page(app, session, world):
    act(session, services.set_notice_days, world.users.committee, world.regions.v1.id, 0, now=NOW)
    claims = []
    for _ in range(2):
        claim = act(session, services.submit_claim, world.users.villager,
                    rule_id=world.rules.wedding.id, amount="1", done_on=TODAY, now=NOW)
        claims.append(act(session, services.approve_claim, world.users.committee, claim.id, now=NOW))
    client = client_for(app, world.users.villager)
    assert "封顶扣减" not in client.get(f"/claims/{claims[0].id}").get_data(as_text=True)
    page = client.get(f"/claims/{claims[1].id}").get_data(as_text=True)
    assert "已入账" in page and "封顶扣减 10 分" in page
    assert "按细则第 1 版计算" in page


# -- the committee's forms -------------------------------------------------------------------------


def test_committee_enters_a_deduction(app, session, world):
    v1 = world.regions.v1.id
    client = client_for(app, world.users.committee)
    page = client.get(f"/claims/deductions/new?village={v1}").get_data(as_text=True)
    assert "乱倒垃圾 · 每次 5 分" in page and "张建国" in page and "王志强" not in page

    form = {"household": str(world.households.h1.id), "rule": str(world.rules.litter.id),
            "amount": "1", "done_on": TODAY.isoformat(), "reason": "河边倒垃圾"}
    for bad, status, message in [
        ({"household": "x"}, 422, "请选择一项"),
        ({"reason": ""}, 422, "请填写扣分理由"),
        ({"rule": str(world.rules.sweep.id)}, 400, "请选择扣分细则。"),
        ({"household": str(world.households.h2.id)}, 403, "只有本村村委可以录入扣分。"),
    ]:
        response = client.post(f"/claims/deductions/new?village={v1}", data=form | bad)
        assert response.status_code == status, bad
        assert message in response.get_data(as_text=True)
    assert count_claims(session) == 0

    response = client.post(f"/claims/deductions/new?village={v1}", data=form)
    assert response.status_code == 302
    fresh(session)
    claim = session.execute(select(Claim)).scalar_one()
    assert (claim.kind, claim.state, claim.points) == ("deduction", ClaimState.IN_NOTICE, -5)
    other = client_for(app, world.users.other_committee)
    assert other.post(f"/claims/deductions/new?village={v1}", data=form).status_code == 404


def test_committee_awards_many_households_at_once(app, session, world):
    v1 = world.regions.v1.id
    client = client_for(app, world.users.committee)
    page = client.get(f"/claims/bulk?village={v1}").get_data(as_text=True)
    assert page.count('type="checkbox"') == 2  # the village's two households, not V2's

    form = {"rule": str(world.rules.sweep.id), "amount": "1", "done_on": TODAY.isoformat(),
            "note": "冬季大扫除"}
    none = client.post(f"/claims/bulk?village={v1}", data=form)
    assert none.status_code == 422 and "请至少选择一户。" in none.get_data(as_text=True)
    foreign = client.post(f"/claims/bulk?village={v1}", data=form | {
        "households": [str(world.households.h1.id), str(world.households.h2.id)]})
    assert foreign.status_code == 400
    assert "所选住户中有不属于本村的，全部未奖励。" in foreign.get_data(as_text=True)
    assert count_claims(session) == 0

    response = client.post(f"/claims/bulk?village={v1}", data=form | {
        "households": [str(world.households.h1.id), str(world.households.h1b.id)]})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/claims/notice?village={v1}"
    notice = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已奖励 2 户，公示期满后入账。" in notice
    assert "张建国家 · 清扫公共区域" in notice and "李秀英家 · 清扫公共区域" in notice


def test_pages_in_english(app, world, in_notice):
    client = client_for(app, world.users.committee)
    for url in ("/claims/review", f"/claims/{in_notice.id}", "/claims/notice?village="
                f"{world.regions.v1.id}", f"/claims/bulk?village={world.regions.v1.id}"):
        page = client.get(url + ("&" if "?" in url else "?") + "lang=en").get_data(as_text=True)
        assert 'lang="en"' in page
        # Chinese may remain only in data (names of people, villages and rules) and the 中文 link.
        for word in ("审核", "公示", "异议", "集体奖励", "待审核", "通过"):
            assert f">{word}<" not in page, (url, word)


def test_notice_end_is_in_the_future_for_items_approved_now(in_notice):
    assert in_notice.notice_ends_at - NOW == timedelta(days=7)


def test_ids_too_large_for_the_database_are_404_or_422_not_500(app, session, world):
    huge = "9" * 25
    client = client_for(app, world.users.committee)
    for url in (f"/claims/{huge}", f"/claims/{huge}/photos/{'a' * 64}.jpg", f"/claims/notice?village={huge}",
                f"/claims/bulk?village={huge}", f"/claims/deductions/new?village={huge}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/claims/{huge}/approve", f"/claims/{huge}/objections", f"/claims/{huge}/uphold"):
        assert client.post(url).status_code == 404, url
    v1 = world.regions.v1.id
    response = client.post(f"/claims/deductions/new?village={v1}", data={
        "household": huge, "rule": huge, "amount": "1", "done_on": TODAY.isoformat(), "reason": "x"})
    assert response.status_code == 422 and "请选择一项" in response.get_data(as_text=True)
    response = client.post(f"/claims/bulk?village={v1}", data={
        "rule": str(world.rules.sweep.id), "amount": "1", "done_on": TODAY.isoformat(),
        "households": [huge]})
    assert response.status_code == 400 and "住户选择有误" in response.get_data(as_text=True)
    assert count_claims(session) == 0
