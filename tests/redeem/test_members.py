"""Member codes rotate every minute and cannot be forged or moved to another household."""

from redeem.members import STEP_SECONDS, member_token, read_member_token

SECRET = "s3cret"
NOW = 1_800_000_000.0


def test_a_fresh_token_reads_back_to_its_household():
    assert read_member_token(SECRET, member_token(SECRET, 42, NOW), NOW) == 42


def test_a_token_survives_the_minute_it_was_shown_in_but_not_longer():
    token = member_token(SECRET, 42, NOW)
    assert read_member_token(SECRET, token, NOW + STEP_SECONDS) == 42
    assert read_member_token(SECRET, token, NOW + 2 * STEP_SECONDS) is None
    assert read_member_token(SECRET, token, NOW - STEP_SECONDS) is None  # from the future


def test_forged_and_tampered_tokens_are_refused():
    token = member_token(SECRET, 42, NOW)
    other = token.replace("M42.", "M43.", 1)
    assert read_member_token(SECRET, other, NOW) is None
    assert read_member_token("another-secret", token, NOW) is None
    for junk in ("", "M", "M42", "X42.1.abc", "M42.x.abc", None, "M42.1.2.3"):
        assert read_member_token(SECRET, junk, NOW) is None


def test_tokens_change_every_minute():
    assert member_token(SECRET, 42, NOW) != member_token(SECRET, 42, NOW + STEP_SECONDS)
