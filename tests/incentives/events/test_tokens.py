"""Check-in codes: the screen code rotates each minute and names one event; the printed code never
rotates; anything forged, expired or another event's is refused with a reason."""

from datetime import datetime, timedelta

import pytest

from incentives.events.errors import TokenError
from incentives.events.tokens import (
    LOGIN_GRACE,
    Kind,
    check_token,
    printed_token,
    screen_token,
    seconds_to_next_step,
)
from redeem import tokens
from redeem.members import member_token

SECRET = "s3cret"
NOW = datetime(2026, 11, 28, 0, 0, 30)  # half way through a minute
MINUTE = timedelta(minutes=1)


def refused(match: str):
    return pytest.raises(TokenError, match=match)


def test_the_screen_code_works_in_its_minute_and_the_next_only():
    token = screen_token(SECRET, 7, NOW)
    assert check_token(SECRET, 7, token, NOW) == Kind.SCREEN
    assert check_token(SECRET, 7, token, NOW + MINUTE) == Kind.SCREEN
    with refused("已过期"):
        check_token(SECRET, 7, token, NOW + 2 * MINUTE)
    with refused("已过期"):
        check_token(SECRET, 7, token, NOW - MINUTE)  # from the future


def test_the_screen_code_changes_every_minute():
    assert screen_token(SECRET, 7, NOW) != screen_token(SECRET, 7, NOW + MINUTE)
    assert screen_token(SECRET, 7, NOW) == screen_token(SECRET, 7, NOW + timedelta(seconds=29))
    assert seconds_to_next_step(NOW) == 30


def test_forged_and_tampered_codes_are_refused():
    token = screen_token(SECRET, 7, NOW)
    step = int(token.split(".")[1]) + 5  # a later step, with the old MAC
    forged = [
        token[:-1] + ("0" if token[-1] != "0" else "1"),  # one digit of the MAC changed
        token.replace(token.split(".")[1], str(step)),
        screen_token("another-secret", 7, NOW),
        "P" + token[1:],  # a screen code passed off as the printed one
        member_token(SECRET, 7),  # a member card is not a check-in code
        "", "E", "E7", "E7.1.abc", "E-7.1.0123456789abcdef", None, 42, "E7.1.2.3", token + " x",
    ]
    for junk in forged:
        with refused("二维码无效"):
            check_token(SECRET, 7, junk, NOW)


def test_another_events_code_is_refused_as_such():
    with refused("不是本活动的二维码"):
        check_token(SECRET, 8, screen_token(SECRET, 7, NOW), NOW)
    with refused("不是本活动的二维码"):
        check_token(SECRET, 8, printed_token(SECRET, 7), NOW)


def test_the_printed_code_never_rotates_but_names_its_event():
    token = printed_token(SECRET, 7)
    assert token == printed_token(SECRET, 7)
    assert check_token(SECRET, 7, token, NOW + timedelta(days=30)) == Kind.PRINTED
    with refused("二维码无效"):
        check_token(SECRET, 7, printed_token("another-secret", 7), NOW)


def test_a_scan_that_waited_for_the_login_is_judged_when_it_was_first_seen():
    token = screen_token(SECRET, 7, NOW)
    later = NOW + 5 * MINUTE
    with refused("已过期"):
        check_token(SECRET, 7, token, later)
    assert check_token(SECRET, 7, token, later, first_seen=NOW) == Kind.SCREEN
    with refused("已过期"):
        check_token(SECRET, 7, token, NOW + LOGIN_GRACE + MINUTE, first_seen=NOW)
    # A "first seen" time in the future, or one when the code had already expired, earns nothing.
    with refused("已过期"):
        check_token(SECRET, 7, token, later, first_seen=later + MINUTE)
    with refused("已过期"):
        check_token(SECRET, 7, token, later, first_seen=NOW + 3 * MINUTE)


def test_rotating_tokens_are_bound_to_their_purpose():
    token = tokens.rotating_token(SECRET, "member", "M", 42, 1_800_000_000.0)
    assert tokens.read_rotating_token(SECRET, "member", "M", token, 1_800_000_000.0) == 42
    assert tokens.read_rotating_token(SECRET, "event", "M", token, 1_800_000_000.0) is None
    assert tokens.read_signed(SECRET, "member", "M", token) == tokens.Signed(42, 30_000_000)
