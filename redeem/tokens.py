"""Signed tokens for QR codes: an HMAC over a purpose, a subject id and a time step.

One implementation for every code we print or show: member cards (:mod:`redeem.members`) and
event check-in codes (``incentives.events``). A token is ``<prefix><subject>.<step>.<mac>``;
the purpose is inside the MAC, so a token made for one use is worthless for another. Rotating
tokens put the current time step in the token, so a screenshot stops working a minute or two
later. No Flask here: callers pass the secret and, for tests, the clock.
"""

import hashlib
import hmac
import re
import time
from dataclasses import dataclass

STEP_SECONDS = 60
# Accept the previous step too: a code shown at 12:00:59 and scanned at 12:01:02 still works.
ACCEPTED_STEPS = 2
# 64 bits of MAC: guessing one online, request by request, is hopeless.
MAC_HEX = 16
_BODY = re.compile(rf"^(\d{{1,18}})\.(\d{{1,18}})\.([0-9a-f]{{{MAC_HEX}}})$")


@dataclass(frozen=True)
class Signed:
    """What a genuine token says: whom it names and at which time step it was made."""

    subject_id: int
    step: int


def time_step(now: float | None = None, step_seconds: int = STEP_SECONDS) -> int:
    """The step ``now`` (seconds since the epoch; default: the clock) falls in."""
    return int((time.time() if now is None else now) // step_seconds)


def _mac(secret: str, purpose: str, subject_id: int, step: int) -> str:
    message = f"{purpose}:{subject_id}:{step}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:MAC_HEX]


def sign(secret: str, purpose: str, prefix: str, subject_id: int, step: int) -> str:
    """A token naming ``subject_id`` at ``step``, for ``purpose`` only."""
    return f"{prefix}{subject_id}.{step}.{_mac(secret, purpose, subject_id, step)}"


def read_signed(secret: str, purpose: str, prefix: str, token) -> Signed | None:
    """What ``token`` says if it was made by :func:`sign` with this secret, purpose and prefix;
    None for anything else (never raises). Whether it is still current is the caller's test."""
    if not isinstance(token, str) or not token.strip().startswith(prefix):
        return None
    match = _BODY.match(token.strip()[len(prefix) :])
    if match is None:
        return None
    subject_id, step, mac = int(match[1]), int(match[2]), match[3]
    if not hmac.compare_digest(mac, _mac(secret, purpose, subject_id, step)):
        return None
    return Signed(subject_id, step)


def is_current(
    signed: Signed,
    now: float | None = None,
    step_seconds: int = STEP_SECONDS,
    accepted_steps: int = ACCEPTED_STEPS,
) -> bool:
    """Whether ``signed`` was made in the current step or the ``accepted_steps - 1`` before it
    (never one from the future)."""
    return 0 <= time_step(now, step_seconds) - signed.step < accepted_steps


def rotating_token(
    secret: str, purpose: str, prefix: str, subject_id: int, now: float | None = None,
    step_seconds: int = STEP_SECONDS,
) -> str:
    """The token for ``subject_id`` at ``now``; it changes every ``step_seconds``."""
    return sign(secret, purpose, prefix, subject_id, time_step(now, step_seconds))


def read_rotating_token(
    secret: str, purpose: str, prefix: str, token, now: float | None = None,
    step_seconds: int = STEP_SECONDS, accepted_steps: int = ACCEPTED_STEPS,
) -> int | None:
    """The subject id in ``token`` if it is genuine and current, else None (never raises)."""
    signed = read_signed(secret, purpose, prefix, token)
    if signed is None or not is_current(signed, now, step_seconds, accepted_steps):
        return None
    return signed.subject_id
