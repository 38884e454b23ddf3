"""The tokens inside an event's check-in QR codes, made and checked with :mod:`redeem.tokens`.

The organiser's phone shows a code that rotates every minute, so a photo forwarded on WeChat is
useless a minute or two later. The printed code never rotates: anyone holding a photo of it
could check in from home, so its check-ins count only once the organiser confirms them.
"""

import enum
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l

from incentives.events.errors import TokenError
from redeem import tokens

SCAN_PURPOSE, SCAN_PREFIX = "event", "E"
PRINTED_PURPOSE, PRINTED_PREFIX = "event-printed", "P"
# A scan by someone not yet logged in is honoured for this long after it was first seen, so
# typing a phone number and password does not expire the code they scanned.
LOGIN_GRACE = timedelta(minutes=10)


class Kind(enum.StrEnum):
    SCREEN = "screen"
    PRINTED = "printed"


def _seconds(now: datetime) -> float:
    return now.replace(tzinfo=UTC).timestamp()


def screen_token(secret: str, event_id: int, now: datetime) -> str:
    """The rotating token the organiser's phone shows at ``now`` (naive UTC)."""
    return tokens.rotating_token(secret, SCAN_PURPOSE, SCAN_PREFIX, event_id, _seconds(now))


def printed_token(secret: str, event_id: int) -> str:
    """The printed code's token: it has no time step (step 0) and never expires by itself."""
    return tokens.sign(secret, PRINTED_PURPOSE, PRINTED_PREFIX, event_id, 0)


def seconds_to_next_step(now: datetime) -> int:
    """Seconds until the screen token changes: when the page should fetch the next one."""
    return tokens.STEP_SECONDS - int(_seconds(now)) % tokens.STEP_SECONDS


def check_token(
    secret: str, event_id: int, token, now: datetime, *, first_seen: datetime | None = None
) -> Kind:
    """Which code ``token`` comes from, if it is a genuine, current code of event ``event_id``.

    ``first_seen`` is when this browser scanned the same token before logging in (kept in its
    signed session): the token is then judged at that moment, within :data:`LOGIN_GRACE`.
    Raises :class:`TokenError` (403) saying whether it is forged, another event's or expired.
    """
    printed = tokens.read_signed(secret, PRINTED_PURPOSE, PRINTED_PREFIX, token)
    if printed is not None and printed.step == 0:
        _check_event(printed, event_id)
        return Kind.PRINTED
    signed = tokens.read_signed(secret, SCAN_PURPOSE, SCAN_PREFIX, token)
    if signed is None:
        raise TokenError(_l("二维码无效：请扫描活动现场组织者出示的二维码。"))
    _check_event(signed, event_id)
    judged_at = now
    if first_seen is not None and timedelta(0) <= now - first_seen <= LOGIN_GRACE:
        judged_at = first_seen
    if not tokens.is_current(signed, _seconds(judged_at)):
        raise TokenError(_l("二维码已过期：请重新扫描组织者手机上的二维码（每分钟更新）。"))
    return Kind.SCREEN


def _check_event(signed: tokens.Signed, event_id: int) -> None:
    if signed.subject_id != event_id:
        raise TokenError(_l("这不是本活动的二维码，请扫描本活动的二维码。"))
