"""English: chosen with ?lang=en, remembered in a cookie, and complete.

The catalog tests fail when a Chinese source string has no English yet, or when the committed
.mo file was not recompiled after the .po changed: run ``make translations``, fill in the new
msgstr in incentives/translations/en/LC_MESSAGES/messages.po, and run it again.
"""

import inspect
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from incentives.errors import LEDGER_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "incentives" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"

# Han characters and CJK / full-width punctuation: none of it belongs on an English page.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# The one link that is Chinese on purpose: the way back to Chinese.
TO_CHINESE = re.compile(r'<a href="[^"]*lang=zh_CN[^"]*" lang="zh-CN">[^<]*</a>')
QUOTED = re.compile(r"“[^”]*”")


def _texts(page: str, tag: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", inner).strip()
        for inner in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", page, flags=re.S)
    ]


def _chinese(app, message) -> str:
    """A lazy message as the default (Chinese) page shows it: its msgid."""
    with app.test_request_context("/"):
        return str(message)


def _english_catalog() -> dict:
    with EN_PO.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


# -- choosing the language -------------------------------------------------------------------


def test_login_page_in_english(client):
    response = client.get("/login?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)

    assert 'lang="en"' in page
    assert _texts(page, "label") == ["Phone number", "Password"]
    assert _texts(page, "button") == ["Log in"]
    assert _texts(page, "h1") == ["Log in"]
    assert _texts(page, "title") == ["Log in · Points Supermarket"]
    assert "Forgot your password?" in page
    for text in _texts(page, "label") + _texts(page, "button") + _texts(page, "title"):
        assert not CJK.search(text), text
    # Nothing else on the page is left in Chinese either, bar the link back to Chinese.
    assert not CJK.findall(TO_CHINESE.sub("", page))


def test_english_form_errors(client):
    page = client.post("/login?lang=en", data={"phone": "", "password": ""}).get_data(as_text=True)
    assert "Please enter your phone number" in page
    assert "Please enter your password" in page
    assert not CJK.findall(TO_CHINESE.sub("", page))


def test_login_page_is_chinese_by_default(client):
    response = client.get("/login")
    page = response.get_data(as_text=True)

    assert 'lang="zh-CN"' in page
    assert _texts(page, "label") == ["手机号", "密码"]
    assert _texts(page, "button") == ["登录"]
    assert "Phone number" not in page and "Log in" not in page
    assert '<a href="/login?lang=en" lang="en">English</a>' in page
    assert "Set-Cookie" not in response.headers  # nothing chosen, nothing remembered


def test_unknown_language_falls_back_to_chinese(client):
    page = client.get("/login?lang=fr").get_data(as_text=True)
    assert _texts(page, "button") == ["登录"]
    assert client.get_cookie("lang") is None


def test_cookie_remembers_the_choice(client):
    client.get("/login?lang=en")
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    assert cookie.http_only

    # No ?lang= any more: the cookie keeps the page in English, on other pages too.
    assert _texts(client.get("/login").get_data(as_text=True), "button") == ["Log in"]
    assert "Public ledger" in client.get("/ledger").get_data(as_text=True)

    # Switching back to Chinese is remembered the same way.
    assert _texts(client.get("/login?lang=zh_CN").get_data(as_text=True), "button") == ["登录"]
    assert client.get_cookie("lang").value == "zh_CN"
    assert _texts(client.get("/login").get_data(as_text=True), "button") == ["登录"]


def test_translations_are_found_in_the_package(app):
    # The app's root_path is the incentives package, so Flask-Babel's default "translations"
    # folder is incentives/translations, where `make translations` writes.
    assert Path(app.root_path) == ROOT / "incentives"
    assert [Path(d) for d in app.extensions["babel"].translation_directories] == [TRANSLATIONS]
    with app.test_request_context("/?lang=en"):
        from flask_babel import get_locale, gettext

        assert str(get_locale()) == "en"
        assert gettext("积分超市") == "Points Supermarket"


# -- the catalog is complete and compiled ----------------------------------------------------


def _source_messages() -> dict[str, list[str]]:
    """Every msgid in the code and templates now, as `make translations` would extract it."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def test_every_source_string_is_in_the_english_catalog():
    source = _source_messages()
    assert len(source) > 100  # the extraction did find the app's strings
    catalog = {m if isinstance(m, str) else m[0] for m in _english_catalog()}
    missing = {msgid: where for msgid, where in source.items() if msgid not in catalog}
    assert not missing, f"not in messages.po, run `make translations` and translate: {missing}"


def test_every_message_has_an_english_translation():
    with EN_PO.open("rb") as f:
        catalog = read_po(f)
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
        elif message.fuzzy:
            fuzzy.append(message.id)  # a guess by `pybabel update`: not compiled, not shown
        elif any(CJK.search(QUOTED.sub("", s)) for s in strings):
            # Chinese left in an English msgstr is a slip; only the roster's column headers,
            # which the file must have in Chinese, are quoted as they are: “户主姓名”.
            untranslated.append(message.id)
    assert not untranslated, f"msgstr missing or not English in {EN_PO}: {untranslated}"
    assert not fuzzy, f"fuzzy msgstr to check (then drop the flag): {fuzzy}"
    problems = {m.id: [str(e) for e in errors] for m, errors in catalog.check()}
    assert not problems, f"placeholders must match the Chinese exactly: {problems}"


def test_compiled_catalog_matches_the_po(tmp_path):
    with EN_PO.open("rb") as f:
        catalog = read_po(f)
    fresh = tmp_path / "messages.mo"
    with fresh.open("wb") as f:
        write_mo(f, catalog)

    def messages(path: Path) -> dict:
        with path.open("rb") as f:
            return {m.id: m.string for m in read_mo(f) if m.id}

    assert EN_MO.exists(), "run `make translations` to compile messages.mo"
    assert messages(EN_MO) == messages(fresh), "messages.mo is out of date: run `make translations`"


# -- lazy messages ---------------------------------------------------------------------------


def _instance(cls):
    """Any refusal of this class; the arguments only feed its internal English text."""
    params = inspect.signature(cls.__init__).parameters.values()
    named = [p for p in params if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD]
    return cls(*[1] * len(named))


@pytest.fixture
def raising_client(app):
    def raise_ledger_error(name):
        cls = next(c for c in LEDGER_MESSAGES if c.__name__ == name)
        raise _instance(cls)

    app.add_url_rule("/_test/ledger-error/<name>", view_func=raise_ledger_error)
    return app.test_client()


@pytest.mark.parametrize("cls", list(LEDGER_MESSAGES), ids=lambda cls: cls.__name__)
def test_ledger_errors_render_in_english(app, raising_client, cls):
    status, message = LEDGER_MESSAGES[cls]
    chinese = _chinese(app, message)
    english = _english_catalog()[chinese]
    url = f"/_test/ledger-error/{cls.__name__}"

    page = raising_client.get(url + "?lang=en")
    assert page.status_code == status
    text = page.get_data(as_text=True)
    assert f"<h1>{english}</h1>" in text
    assert not CJK.findall(TO_CHINESE.sub("", text))

    answer = raising_client.get(url, headers={"Accept": "application/json"})  # cookie: en
    assert answer.get_json() == {"error": english, "status": status}

    page = raising_client.get(url + "?lang=zh_CN").get_data(as_text=True)
    assert f"<h1>{chinese}</h1>" in page


def test_lazy_messages_follow_each_request(app):
    # Made at import time, translated when shown: the same objects give both languages.
    english_catalog = _english_catalog()
    for _status, message in LEDGER_MESSAGES.values():
        with app.test_request_context("/?lang=en"):
            english = str(message)
        chinese = _chinese(app, message)
        assert CJK.search(chinese), chinese
        assert english == english_catalog[chinese] and not CJK.search(english), english
