"""What the browser tests share: the demo users, reading the live app's database, the 360 px check."""

from incentives.auth.roles import Role
from incentives.demo import DEMO_USERS
from incentives.extensions import db


def demo_login(role: Role) -> tuple[str, str, str]:
    """(phone, password, region name) of the demo user holding ``role``."""
    return next((phone, password, where) for r, phone, password, where in DEMO_USERS if r == role)


def in_app(live_server, read):
    """``read(session)`` inside the live app's context; returns plain values, not ORM rows."""
    with live_server.app.test_request_context():
        try:
            return read(db.session)
        finally:
            db.session.remove()


def assert_fits_phone(page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= 360, f"{page.url} scrolls sideways on a 360 px phone: {widths}"
