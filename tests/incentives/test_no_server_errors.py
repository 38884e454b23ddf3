"""Every route, as every demo role and as a stranger, with ids that exist, ids far out of range
and garbage in the query string and the form: the answer may be a page, a redirect or a 4xx,
never a 5xx. This sweeps the whole URL map, so a route added later is covered without a line here.
"""

import pytest

from incentives.auth.roles import Role

# Ids that exist in the demo, and one that no integer column can hold (PostgreSQL's INTEGER is
# 32-bit: passing it to the database unchecked is a DataError, a 500).
IDS = (1, 10**12)
STRINGS = ("x", "ABCD-EFGH-JKZ", "[", "²")
QUERY = {
    "region": "abc", "village": "99999999999999", "year": "²", "before": "-1", "all": "1",
    "month": "2026-13", "lang": "xx", "page": "0",
}
# What a confused or hostile form sends: wrong types, overflows, odd Unicode, huge numbers.
FORM = {
    "amount": "²", "quantity": "sNaN", "points": "1e309", "price": "-0", "value": "NaN",
    "days": "99999999999999999999", "household": "abc", "households": ["1", "x"], "rule": "0",
    "goods_id": "²", "code": "http://[x/credits/c/ABC", "pin": "12\x00", "reason": "x" * 5000,
    "note": "\u202e\x00", "starts_at": "2026-02-30T25:61", "ends_at": "", "expires_on": "9999-12-31",
    "done_on": "0000-00-00", "capacity": "-1", "count": "10000000", "budget": "1" * 30,
    "minutes": "-5", "year": "0", "score": "11", "name": "=HYPERLINK(\"x\")", "phone": "١٢٣",
}
SKIP = {"/logout", "/password", "/login"}  # would end or change the session under test


def urls(rule):
    """Concrete paths for ``rule``: each argument filled with each test value of its type."""
    paths = [{}]
    for name in sorted(rule.arguments):
        converter = type(rule._converters[name]).__name__
        values = IDS if converter == "IntegerConverter" else STRINGS
        if name == "sha256":
            values = ("0" * 64,)
        paths = [dict(p, **{name: v}) for p in paths for v in values]
    for values in paths:
        try:
            yield rule.build(values, append_unknown=False)[1]
        except Exception:  # a value its converter refuses to build, e.g. a length
            continue


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.strip().splitlines()[-len(Role):]]
    return {role: (phone, password) for role, phone, password in lines}


def sweep(app, client) -> list[tuple[str, str, int]]:
    failures = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule in SKIP:
            continue
        for path in urls(rule):
            if "GET" in rule.methods:
                status = client.get(path, query_string=QUERY).status_code
                if status >= 500:
                    failures.append(("GET", path, status))
            if "POST" in rule.methods:
                for data in ({}, FORM):
                    status = client.post(path, data=data).status_code
                    if status >= 500:
                        failures.append(("POST", path, status))
    return failures


def test_no_route_answers_any_role_with_a_server_error(app, demo):
    failures = {}
    stranger = app.test_client()
    failures["anonymous"] = sweep(app, stranger)
    for role, (phone, password) in demo.items():
        client = app.test_client()
        assert client.post("/login", data={"phone": phone, "password": password}).status_code == 302
        failures[role] = sweep(app, client)
    assert {who: found for who, found in failures.items() if found} == {}
