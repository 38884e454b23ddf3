"""The front page and the public ledger: Chinese first, readable by anyone."""

from tests.factories import fund, make_account


def test_front_page_shows_the_chain_head_in_chinese(client, session):
    entry = fund(session, make_account(session), 15)
    page = client.get("/").get_data(as_text=True)
    assert "账本公开" in page
    assert entry.hash in page
    assert 'lang="zh-CN"' in page


def test_english_is_available(client):
    page = client.get("/?lang=en")
    assert page.status_code == 200
    assert 'lang="en"' in page.get_data(as_text=True)
    assert "lang=en" in page.headers.get("Set-Cookie", "")


def test_public_ledger_lists_entries_newest_first_with_paging(app, client, session):
    app.config["PUBLIC_LEDGER_PAGE_SIZE"] = 2
    household = make_account(session)
    entries = [fund(session, household, amount) for amount in (1, 2, 3)]

    first = client.get("/ledger").get_data(as_text=True)
    second = client.get(f"/ledger?before={entries[1].id}").get_data(as_text=True)

    assert first.index(f"#{entries[2].id} ") < first.index(f"#{entries[1].id} ")
    assert f"#{entries[0].id} " not in first and f"before={entries[1].id}" in first
    assert f"#{entries[0].id} " in second
    assert "获得积分" in first and "测试发放" in first


def test_bad_input_gets_a_chinese_4xx_not_a_5xx(client):
    assert client.get("/ledger?before=abc").status_code == 200  # ignored, first page
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "页面不存在" in missing.get_data(as_text=True)
    json_missing = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert json_missing.get_json() == {"error": "页面不存在。", "status": 404}


def test_pages_load_only_our_own_assets(client):
    page = client.get("/").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    assert client.get("/static/css/app.css").status_code == 200


def test_public_ledger_shows_villagers_names_in_part_and_system_accounts_in_words(client, session):
    from incentives.places.models import Level
    from ledger.models import Account
    from tests.factories import make_household, make_region

    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    household = make_household(session, make_region(session, "和平村", Level.VILLAGE, township), "张建国")
    fund(session, session.get(Account, household.account_id), 5)

    page = client.get("/ledger").get_data(as_text=True)

    assert "和平村 张*国家" in page and "张建国" not in page
    assert "系统积分发行 → 和平村 张*国家" in page
    assert "system points issuing" not in page
