"""The /me shortcuts: each role sees the buttons for what it may do, and every one of them opens."""

import re

import pytest

from incentives.auth.roles import Role

SHORTCUTS = re.compile(r'<nav class="shortcuts".*?</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    # The seed ends with one "role phone password" line per demo user.
    lines = [line.split() for line in result.output.strip().splitlines()[-len(Role):]]
    return {role: (phone, password) for role, phone, password in lines}


def shortcut_links(client, phone, password):
    client.post("/logout")
    response = client.post("/login", data={"phone": phone, "password": password})
    assert response.status_code == 302
    page = client.get("/me").get_data(as_text=True)
    nav = SHORTCUTS.search(page)
    return HREF.findall(nav.group(0)) if nav else []


def test_every_shortcut_of_every_demo_role_opens(client, demo):
    seen = {}
    for role, (phone, password) in demo.items():
        links = shortcut_links(client, phone, password)
        seen[role] = links
        for link in links:
            assert client.get(link, follow_redirects=True).status_code == 200, (role, link)
    assert "/claims/new" in seen["villager"] and "/claims/review" not in seen["villager"]
    assert "/claims/review" in seen["village_committee"]
    assert "/campaigns" in seen["womens_federation"]
    assert "/counter" in seen["clerk"] and "/claims/new" not in seen["clerk"]
    assert all(links for links in seen.values()), seen
