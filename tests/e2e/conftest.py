"""End-to-end fixtures: the real app served over HTTP on a fresh seeded database, and the
system Chromium driven by Playwright on a 360 px phone screen.

The browser is the one the machine's package manager installs (``/usr/bin/chromium``), never a
download by ``playwright install``. Without it every test here is skipped with the reason; CI
installs it (see ``.ci/run``).

``SCREENSHOTS=1`` makes the tests write PNGs of the main pages to ``docs/screenshots/``; normal
runs write nothing. ``SCREENSHOTS_FULL_PAGE=1`` captures whole pages instead of the first screen.
"""

import os
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from incentives import create_app

CHROMIUM = Path("/usr/bin/chromium")
# No outside network here: without these flags Chromium keeps trying to reach Google services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}  # the design width: a small Android phone
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session", autouse=True)
def _chromium_available():
    if not CHROMIUM.exists():
        pytest.skip(
            f"end-to-end tests need the system Chromium at {CHROMIUM} "
            "(apt-get install -y chromium); .ci/run installs it"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("end-to-end tests need the playwright package: pip install -e '.[test]'")


@dataclass
class LiveServer:
    url: str
    app: Flask

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="module")
def live_server(databases):
    """The app on 127.0.0.1 with a free port, in a background thread, on a fresh migrated database
    seeded with the demo county. One per test module: seeding hashes nine passwords, and the
    tests read what they expect from the database rather than assuming a pristine one."""
    from incentives.extensions import db

    url = databases.create()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_hex(32),
            "ID_HASH_KEY": secrets.token_hex(32),
            "WTF_CSRF_ENABLED": True,  # a real browser posts the real forms
        }
    )
    server = None
    try:
        seeded = app.test_cli_runner().invoke(args=["demo", "seed"])
        if seeded.exception is not None and not isinstance(seeded.exception, SystemExit):
            raise RuntimeError("flask demo seed failed") from seeded.exception
        assert seeded.exit_code == 0 and "演示数据已创建" in seeded.output, seeded.output

        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
        thread.start()
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        if server is not None:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        databases.drop(url)


@pytest.fixture(scope="session")
def browser(_chromium_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_phone(browser):
    """Opens a fresh browser context shaped like a phone (no cookies, no cache) and returns its
    page; ``storage_state`` carries a login over. Every context is closed after the test."""
    contexts = []

    def open_page(storage_state=None):
        context = browser.new_context(
            viewport=PHONE,
            screen=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            storage_state=storage_state,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_phone):
    return new_phone()


@pytest.fixture
def login(live_server):
    """Logs ``page`` in through the login form, as a person would, and lands on /me."""

    def log_in(page, phone: str, password: str) -> None:
        page.goto(live_server("/login"))
        page.get_by_label("手机号").fill(phone)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r"/me$"))

    return log_in


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` writes docs/screenshots/name.png when SCREENSHOTS=1."""

    def take(page, name: str) -> None:
        if os.environ.get("SCREENSHOTS") != "1":
            return
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.screenshot(
            path=str(SCREENSHOT_DIR / f"{name}.png"),
            full_page=os.environ.get("SCREENSHOTS_FULL_PAGE") == "1",
            animations="disabled",
            caret="hide",
        )

    return take
