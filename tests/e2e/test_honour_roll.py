"""In a real browser on a 360 px phone: anyone opens the village's honour roll without logging
in, reads the names the village chose to show (张*明), the figures of the frozen snapshot, the
ledger head to check them against, and prints the poster; a villager finds it from /me."""

import json
import re

import pytest
from sqlalchemy import select

from incentives.auth.roles import Role
from incentives.places.models import Region
from incentives.publications.models import Publication
from tests.e2e.helpers import assert_fits_phone, demo_login, in_app

expect = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'").expect


def village_roll(live_server, village: str) -> dict:
    def read(session):
        region = session.execute(select(Region).where(Region.name == village)).scalar_one()
        publication = session.execute(
            select(Publication).where(Publication.region_id == region.id, Publication.kind == "honour_roll")
        ).scalars().first()
        return {"id": publication.id, "title": publication.title, "head_hash": publication.head_hash,
                "data": json.loads(publication.data)}

    return in_app(live_server, read)


def test_anyone_reads_the_honour_roll_on_a_phone(live_server, page, screenshot):
    roll = village_roll(live_server, "和平村")
    top = roll["data"]["top_households"]
    assert top, "the demo village has earned points this month"

    page.goto(live_server("/publications/"))
    page.get_by_role("link", name=roll["title"]).click()
    page.wait_for_url(re.compile(rf"/publications/{roll['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("光荣榜")
    expect(page.locator(".roll-period")).to_contain_text(roll["data"]["period"]["label"])

    rows = page.get_by_test_id("top-households").locator("li")
    expect(rows).to_have_count(len(top))
    first = rows.first
    expect(first.locator(".rank")).to_have_text(str(top[0]["rank"]))
    expect(first.locator(".who")).to_have_text(top[0]["name"])
    expect(first.locator(".num")).to_contain_text(f"{top[0]['points']:,}")
    assert re.fullmatch(r".\*+.?", top[0]["name"]), "names are masked unless the village chooses"
    expect(page.get_by_test_id("head-hash")).to_have_text(roll["head_hash"])
    volunteers = page.get_by_test_id("volunteers").locator("li")
    expect(volunteers).to_have_count(len(roll["data"]["volunteers"]))
    assert_fits_phone(page)
    screenshot(page, "honour-roll")

    poster = page.request.get(live_server(page.get_by_test_id("poster").get_attribute("href")))
    assert poster.status == 200 and poster.headers["content-type"] == "application/pdf"
    assert poster.body().startswith(b"%PDF")


def test_a_villager_finds_the_roll_of_their_village_from_home(live_server, page, login):
    phone, password, village = demo_login(Role.VILLAGER)
    login(page, phone, password)
    page.get_by_test_id("shortcuts").get_by_role("link", name="光荣榜").click()
    page.wait_for_url(re.compile(r"/publications/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(village)
    roll = village_roll(live_server, village)
    expect(page.get_by_test_id("publications")).to_contain_text(roll["title"])
    assert_fits_phone(page)
