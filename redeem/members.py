"""Member codes: the rotating signed token behind a household's supermarket QR code.

The token changes every ``STEP_SECONDS``; a screenshot forwarded to someone else stops working a
minute or two later. It carries no name or ID, only the household id, the time step and a MAC
(made and checked by :mod:`redeem.tokens`).
"""

from redeem.tokens import ACCEPTED_STEPS, STEP_SECONDS, read_rotating_token, rotating_token

__all__ = ["ACCEPTED_STEPS", "PREFIX", "STEP_SECONDS", "member_token", "read_member_token"]

PURPOSE = "member"
PREFIX = "M"


def member_token(secret: str, household_id: int, now: float | None = None) -> str:
    """The token for ``household_id`` at ``now`` (seconds since the epoch; default: the clock)."""
    return rotating_token(secret, PURPOSE, PREFIX, household_id, now)


def read_member_token(secret: str, token: str, now: float | None = None) -> int | None:
    """The household id in ``token`` if it is genuine and current, else None (never raises)."""
    return read_rotating_token(secret, PURPOSE, PREFIX, token, now)
