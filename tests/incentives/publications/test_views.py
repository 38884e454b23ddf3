"""The public pages (no login), the poster, errata from the page, and the settings form."""

import io

import pypdfium2 as pdfium
import pytest

from incentives.claims.models import VillageSettings
from incentives.publications import services
from incentives.publications.models import Publication
from ledger import reverse
from ledger.models import Entry
from tests.incentives.publications.conftest import act


@pytest.fixture
def published(session, world):
    return act(session, services.publish_honour_roll, world.regions.v1, world.period, now=world.after)


def test_anyone_reads_the_roll_without_logging_in(client, world, published):
    page = client.get(f"/publications/{published.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "和平村" in html and "光荣榜" in html
    for name in ("张*国", "王*强", "李*英"):
        assert name in html
    assert "张建国" not in html  # masked: the village has not chosen full names
    assert published.head_hash in html
    listing = client.get(f"/publications/?region={world.regions.v1.id}").get_data(as_text=True)
    assert published.title in listing
    assert client.get("/publications/").status_code == 200


@pytest.mark.parametrize("path", ["/publications/999999", "/publications/99999999999999999999999",
                                  "/publications/999999/poster.pdf", "/publications/?region=abc",
                                  "/publications/?region=99999999999999999999"])
def test_unknown_publications_are_404(client, world, path):
    assert client.get(path).status_code == 404


def test_the_poster_is_an_a4_pdf_with_the_roll_and_a_qr_code(client, world, published):
    response = client.get(f"/publications/{published.id}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    document = pdfium.PdfDocument(io.BytesIO(response.data))
    page = document[0]
    width, height = page.get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    text = page.get_textpage().get_text_range()
    for expected in ("和平镇 · 和平村", "光荣榜", published.content["period"]["label"], "积分之星", "张*国",
                     "志愿之星", "8小时", "平安家庭", "李*英", "扫码查看网上公示", published.head_hash[:16]):
        assert expected in text, expected
    image = page.render(scale=1).to_pil().convert("L")
    histogram = image.histogram()
    dark = sum(histogram[:128])
    assert dark > 0.01 * image.width * image.height  # not blank: the red header, the text, the QR
    # The QR code in the bottom right corner: black and white modules.
    corner = image.crop((int(image.width * 0.75), int(image.height * 0.82), image.width, image.height))
    darkest, lightest = corner.getextrema()
    assert darkest < 50 and lightest > 200


def test_the_poster_prints_on_a3_as_the_same_layout_scaled(client, world, published):
    pages = {}
    for paper in ("A4", "A3"):
        response = client.get(f"/publications/{published.id}/poster.pdf?paper={paper.lower()}")
        assert response.status_code == 200
        page = pdfium.PdfDocument(io.BytesIO(response.data))[0]
        pages[paper] = page
    width, height = pages["A3"].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (297, 420)
    text = pages["A3"].get_textpage().get_text_range()
    assert "光荣榜" in text and "张*国" in text and "扫码查看网上公示" in text
    # Same layout: the title's box sits at the same place relative to the page, √2 times larger.
    boxes = {}
    for paper, page in pages.items():
        textpage = page.get_textpage()
        start = textpage.get_text_range().index("光荣榜")
        left, bottom, right, top = textpage.get_charbox(start)
        boxes[paper] = (left / page.get_width(), top / page.get_height(), (top - bottom))
    assert boxes["A3"][:2] == pytest.approx(boxes["A4"][:2], abs=0.002)
    assert boxes["A3"][2] == pytest.approx(boxes["A4"][2] * 2**0.5, rel=0.02)
    refused = client.get(f"/publications/{published.id}/poster.pdf?paper=B5")
    assert refused.status_code == 400 and "纸张只能是 A4 或 A3" in refused.get_data(as_text=True)


def test_the_committee_publishes_an_erratum_from_the_page(session, client, login_as, world, published):
    entry = session.query(Entry).filter(Entry.reason == "志愿服务", Entry.amount == 40).one()
    act(session, lambda s: reverse(s, entry.id, key="fix", actor="user:committee", reason="重复登记"))
    login_as(world.users.committee)
    page = client.get(f"/publications/{published.id}").get_data(as_text=True)
    assert "发布更正" in page
    assert client.post(f"/publications/{published.id}/erratum", data={"reason": ""}).status_code == 400
    response = client.post(f"/publications/{published.id}/erratum", data={"reason": "志愿时长重复登记"})
    assert response.status_code == 302
    session.rollback()
    erratum = session.query(Publication).filter_by(revision=1).one()
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "更正说明" in html and "志愿时长重复登记" in html and "45" in html and "第1名" in html
    old = client.get(f"/publications/{published.id}").get_data(as_text=True)
    assert "本榜发布后已有更正" in old and f"/publications/{erratum.id}" in old
    # Nothing changed since: the page says so, in Chinese, with a 4xx.
    again = client.post(f"/publications/{erratum.id}/erratum", data={"reason": "再来"})
    assert again.status_code == 400 and "无需更正" in again.get_data(as_text=True)


def test_outsiders_cannot_publish_errata(client, login_as, world, published):
    assert client.post(f"/publications/{published.id}/erratum", data={"reason": "x"}).status_code == 302
    login_as(world.users.other_committee)
    assert client.post(f"/publications/{published.id}/erratum", data={"reason": "x"}).status_code == 404
    assert "发布更正" not in client.get(f"/publications/{published.id}").get_data(as_text=True)


def test_the_committee_sets_names_and_expiry(session, client, login_as, world):
    login_as(world.users.committee)
    form = client.get("/publications/settings")
    assert form.status_code == 200 and "每年 12 月 31 日清零家庭积分" in form.get_data(as_text=True)
    bad = client.post("/publications/settings", data={"expiry_notice_days": "-1"})
    assert bad.status_code == 400 and "0 到 90" in bad.get_data(as_text=True)
    ok = client.post("/publications/settings",
                     data={"show_full_names": "y", "expire_yearly": "y", "expiry_notice_days": "20"})
    assert ok.status_code == 302
    session.rollback()
    settings = session.get(VillageSettings, world.regions.v1.id)
    assert (settings.show_full_names, settings.expire_yearly, settings.expiry_notice_days) == (True, True, 20)
    # Not for another village's committee, nor a villager.
    assert client.get(f"/publications/settings?region={world.regions.v2.id}").status_code == 404


def test_settings_are_for_staff_only(client, login_as, world):
    login_as(world.users.villager)
    assert client.get("/publications/settings").status_code == 404
    assert client.get(f"/publications/settings?region={world.regions.v1.id}").status_code == 404


def test_a_township_admin_picks_among_the_villages_below(client, login_as, world):
    login_as(world.users.township_admin)
    page = client.get("/publications/settings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "和平村 · 光荣榜和积分清零设置" in html and f"region={world.regions.v2.id}" in html
    assert client.get(f"/publications/settings?region={world.regions.v3.id}").status_code == 404


def test_the_township_bulletin_page_and_poster(session, client, world):
    ranking = act(session, services.publish_village_ranking, world.regions.township, world.period,
                  now=world.after)
    html = client.get(f"/publications/{ranking.id}").get_data(as_text=True)
    assert "村（社区）积分参与排名" in html and "75.0%" in html and "3 / 4 户" in html
    pdf = pdfium.PdfDocument(io.BytesIO(client.get(f"/publications/{ranking.id}/poster.pdf").data))
    text = pdf[0].get_textpage().get_text_range()
    for expected in ("平安县 · 和平镇", "和平村", "3/4", "75.0%", "东风社区", "50.0%"):
        assert expected in text, expected
