"""The village committee issues, prints, revokes and reissues household cards; the balance stays."""

import pypdfium2 as pdfium
from sqlalchemy import select

from ledger.models import Account
from redeem.card_models import HouseholdCard
from redeem.cards import identify_by_card
from redeem.codes import format_card_number
from tests.factories import fund


def cards_of(session, household):
    session.rollback()
    return session.execute(
        select(HouseholdCard).where(HouseholdCard.household_id == household.id).order_by(HouseholdCard.id)
    ).scalars().all()


def test_issue_print_lose_and_reissue_a_card(app, session, place, login_as):
    fund(session, session.get(Account, place.household.account_id), 88)
    committee = login_as(place.committee)
    url = f"/cards/households/{place.household.id}"
    found = committee.get("/cards", query_string={"q": "刘桂"}).get_data(as_text=True)
    assert url in found

    assert committee.post(url + "/issue", data={"pin": "2580", "pin_again": "2580"}).status_code == 302
    (card,) = cards_of(session, place.household)
    page = committee.get(url).get_data(as_text=True)
    assert format_card_number(card.number) in page and 'data-testid="balance">88<' in page

    printed = committee.get(f"/cards/{card.id}/card.pdf")
    assert printed.status_code == 200 and printed.headers["Content-Type"] == "application/pdf"
    page_pdf = pdfium.PdfDocument(printed.get_data())[0]
    text = page_pdf.get_textpage().get_text_range()
    assert "平安家庭积分卡" in text and format_card_number(card.number) in text and "刘桂兰" in text
    assert "2580" not in text
    assert page_pdf.render(scale=1).to_pil().convert("L").getextrema() == (0, 255)

    lost = committee.post(f"/cards/{card.id}/revoke", data={"reason": "遗失"})
    assert lost.status_code == 302
    assert committee.get(f"/cards/{card.id}/card.pdf").status_code == 409
    again = committee.post(url + "/issue", data={"pin": "3691", "pin_again": "3691"})
    assert again.status_code == 302
    old, new = cards_of(session, place.household)
    assert not old.active and new.active and new.number != old.number
    with app.app_context():
        from incentives.extensions import db

        assert identify_by_card(db.session, new.number, "3691", actor="t") == place.household.id
    session.rollback()
    session.expire_all()
    assert session.get(Account, place.household.account_id).balance == 88


def test_pin_must_match_and_not_be_trivial(app, session, place, login_as):
    committee = login_as(place.committee)
    url = f"/cards/households/{place.household.id}/issue"
    mismatch = committee.post(url, data={"pin": "2580", "pin_again": "2581"})
    assert mismatch.status_code == 400 and "两次输入的密码不一样" in mismatch.get_data(as_text=True)
    weak = committee.post(url, data={"pin": "1234", "pin_again": "1234"})
    assert weak.status_code == 400 and "顺序数字" in weak.get_data(as_text=True)
    assert cards_of(session, place.household) == []


def test_card_pages_are_for_the_village_committee_only(app, session, place, login_as):
    committee = app.test_client()
    committee.post("/login", data={"phone": place.committee.phone, "password": "secret123"})
    committee.post(f"/cards/households/{place.household.id}/issue", data={"pin": "2580", "pin_again": "2580"})
    (card,) = cards_of(session, place.household)
    for user in (place.other_committee, place.clerk, place.villager):
        client = app.test_client()
        client.post("/login", data={"phone": user.phone, "password": "secret123"})
        if user is not place.other_committee:  # who has their own village's page
            assert client.get("/cards").status_code == 404
        else:
            assert place.household.head_name not in client.get("/cards", query_string={"q": "刘"}).get_data(
                as_text=True)
        assert client.get(f"/cards/households/{place.household.id}").status_code == 404
        assert client.get(f"/cards/{card.id}/card.pdf").status_code == 404
        assert client.post(f"/cards/{card.id}/revoke", data={"reason": "x"}).status_code == 404
        new_pin = {"pin": "3691", "pin_again": "3691"}
        assert client.post(f"/cards/{card.id}/pin", data=new_pin).status_code == 404
    assert cards_of(session, place.household)[0].active
