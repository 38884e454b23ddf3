"""Printed household cards (平安家庭积分卡) for households without a phone: issuing with a PIN the
household chooses, checking card and PIN at the counter with throttling, revoking and reissuing.

A card only says which household is at the counter; the points stay on the household's ledger
account, so a reissued card finds the same balance. PINs are kept as scrypt hashes. Every
function here runs inside ``ledger.transaction.run_in_transaction`` and never commits, except
:func:`identify_by_card`, which opens its own transaction so that a failed attempt is recorded
even though the identification is refused.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.models import utcnow
from ledger.transaction import run_in_transaction
from redeem.card_models import CardAttempt, HouseholdCard
from redeem.codes import Malformed, Mistyped, new_card_number, normalise_card_number
from redeem.errors import RedeemError

MAX_PIN_FAILURES = 5  # per card in the window, since its last success: then the card is locked
MAX_LOCKOUTS = 3  # this many locks in a day and the card stays locked until its PIN is reset
BLOCK_FAILURES = MAX_PIN_FAILURES * MAX_LOCKOUTS
BLOCK_PERIOD = timedelta(hours=24)
MAX_ACTOR_FAILURES = 20  # per clerk in the window, over all cards: stops trying number after number
WINDOW = timedelta(minutes=15)
PIN_PATTERN = re.compile(r"^[0-9]{4,6}$")
# scrypt at n=2**14: ~30 ms. A 4-6 digit PIN is weak against anyone holding the table; the
# throttle is what protects it at the counter, the hash keeps it from being read off a backup.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class CardError(RedeemError):
    """A refusal about a household card or its PIN."""

    code = "card_error"


class CardMalformed(CardError):
    code = "card_malformed"


class CardMistyped(CardError):
    code = "card_mistyped"


class UnknownCard(CardError):
    code = "card_unknown"
    status = 404


class CardRevoked(CardError):
    code = "card_revoked"
    status = 409


class WrongPin(CardError):
    code = "card_wrong_pin"
    status = 403


class CardLocked(CardError):
    code = "card_locked"
    status = 429


class CardBlocked(CardError):
    """Locked again and again: only a new PIN (:func:`change_pin`) or a new card lifts it."""

    code = "card_blocked"
    status = 423


class CounterLocked(CardError):
    """Too many failed checks by this clerk: someone may be trying numbers."""

    code = "card_counter_locked"
    status = 429


class PinRequired(CardError):
    """A card number without its PIN: asked for, not counted as a failure."""

    code = "card_pin_required"


class WeakPin(CardError):
    code = "card_weak_pin"


class CardExists(CardError):
    code = "card_exists"
    status = 409


# -- PINs --------------------------------------------------------------------------------------


def check_pin_rules(pin: str) -> str:
    """The PIN if it is 4 to 6 digits and not trivially guessable (all one digit, a run up or
    down like 1234 or 987654); raises :class:`WeakPin` otherwise."""
    pin = (pin or "").strip()
    if not PIN_PATTERN.match(pin):
        raise WeakPin()
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({0}, {1}, {9}):
        raise WeakPin()
    return pin


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt:{_SCRYPT['n']}:{_SCRYPT['r']}:{_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        method, salt, expected = pin_hash.split("$")
        _, n, r, p = method.split(":")
        digest = hashlib.scrypt(
            (pin or "").encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


# -- issuing, revoking -------------------------------------------------------------------------


def active_card(session: Session, household_id: int) -> HouseholdCard | None:
    return session.execute(
        select(HouseholdCard).where(
            HouseholdCard.household_id == household_id, HouseholdCard.revoked_at.is_(None)
        )
    ).scalar_one_or_none()


def household_cards(session: Session, household_id: int) -> list[HouseholdCard]:
    """Every card the household has had, the one in use first."""
    return list(session.execute(
        select(HouseholdCard).where(HouseholdCard.household_id == household_id)
        .order_by(HouseholdCard.revoked_at.is_not(None), HouseholdCard.id.desc())
    ).scalars())


def issue_card(
    session: Session, household_id: int, pin: str, actor: str, now: datetime, *, number: str | None = None
) -> HouseholdCard:
    """A new card for a household that has none in use, with the PIN the household chose.

    Raises :class:`WeakPin`, or :class:`CardExists` when the household already has a card in
    use (a lost card is replaced with :func:`reissue_card`). ``number`` is for the demo only,
    which prints fixed numbers; real cards get a fresh random one.
    """
    pin = check_pin_rules(pin)
    if active_card(session, household_id) is not None:
        raise CardExists()
    card = HouseholdCard(
        household_id=household_id, number=normalise_card_number(number) if number else _fresh_number(session),
        pin_hash=hash_pin(pin),
        issued_at=now, issued_by=actor,
    )
    session.add(card)
    try:
        with session.begin_nested():  # the unique index stops a second card issued at once
            session.flush()
    except IntegrityError:
        raise CardExists() from None
    return card


def revoke_card(session: Session, card_id: int, actor: str, reason: str, now: datetime) -> HouseholdCard:
    """Revoke a card (lost, damaged): it no longer identifies anyone. Revoking again changes
    nothing. Nothing moves in the ledger."""
    card = session.get(HouseholdCard, card_id, populate_existing=True)
    if card is None:
        raise UnknownCard()
    session.execute(
        update(HouseholdCard).where(HouseholdCard.id == card.id, HouseholdCard.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=actor, revoke_reason=(reason or "").strip()[:200] or "挂失")
        .execution_options(synchronize_session=False)
    )
    session.refresh(card)
    return card


def reissue_card(
    session: Session, household_id: int, pin: str, actor: str, reason: str, now: datetime
) -> HouseholdCard:
    """Revoke the household's card in use (if any) and issue a new one with a new number, in one
    transaction. The balance, on the household's account, is untouched."""
    pin = check_pin_rules(pin)
    current = active_card(session, household_id)
    if current is not None:
        revoke_card(session, current.id, actor, reason, now)
    return issue_card(session, household_id, pin, actor, now)


def change_pin(session: Session, card_id: int, pin: str) -> HouseholdCard:
    """Set a new PIN on a card in use (the household forgot theirs); clears its lock."""
    pin = check_pin_rules(pin)
    card = session.get(HouseholdCard, card_id, populate_existing=True)
    if card is None:
        raise UnknownCard()
    if not card.active:
        raise CardRevoked()
    card.pin_hash = hash_pin(pin)
    # A success row ends the run of failures the lock counts.
    session.add(CardAttempt(card_id=card.id, actor="pin-reset", succeeded=True, at=utcnow()))
    session.flush()
    return card


def _fresh_number(session: Session) -> str:
    while True:
        number = new_card_number()
        if session.execute(select(HouseholdCard.id).where(HouseholdCard.number == number)).first() is None:
            return number


# -- at the counter ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CardCheck:
    """The outcome of one check: the household, or the refusal to raise once it is recorded."""

    household_id: int | None
    error: CardError | None = None


def check_card(session: Session, number: str, pin: str, actor: str, now: datetime) -> CardCheck:
    """Check a card number and PIN typed at the counter by ``actor`` and record the attempt.

    Returns the refusal rather than raising it, so the caller commits the attempt (a wrong PIN
    must count even though nothing else happens). After ``MAX_PIN_FAILURES`` wrong PINs in the
    window the card is locked, and after ``MAX_ACTOR_FAILURES`` failures the clerk is, without
    the PIN even being checked, so guessing gains nothing. ``BLOCK_FAILURES`` wrong PINs within
    ``BLOCK_PERIOD`` (``MAX_LOCKOUTS`` locks in a day) block the card until the committee sets a
    new PIN: else five more guesses every window would find a 4-digit PIN in days.
    """
    since = now - WINDOW
    actor_failures = session.execute(
        select(func.count(CardAttempt.id)).where(
            CardAttempt.actor == actor, CardAttempt.succeeded.is_(False), CardAttempt.at >= since
        )
    ).scalar_one()
    if actor_failures >= MAX_ACTOR_FAILURES:
        return CardCheck(None, CounterLocked(minutes=_minutes()))
    try:
        number = normalise_card_number(number)
    except Mistyped:
        return _failed(session, None, actor, now, CardMistyped())
    except Malformed:
        return _failed(session, None, actor, now, CardMalformed())
    # Locked: two counters trying PINs on one card at once are counted one after the other.
    card = session.execute(
        select(HouseholdCard).where(HouseholdCard.number == number).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if card is None:
        return _failed(session, None, actor, now, UnknownCard())
    if not card.active:
        return _failed(session, card.id, actor, now, CardRevoked())
    last_success = session.execute(
        select(func.max(CardAttempt.id)).where(CardAttempt.card_id == card.id, CardAttempt.succeeded)
    ).scalar_one()
    # Every failure since the last success (a PIN reset writes one): few, as locks stop guessing.
    failed_at = list(session.execute(
        select(CardAttempt.at).where(
            CardAttempt.card_id == card.id, CardAttempt.succeeded.is_(False),
            CardAttempt.id > (last_success or 0),
        ).order_by(CardAttempt.at)
    ).scalars())
    if _blocked(failed_at):
        return CardCheck(None, CardBlocked())
    failures = sum(1 for at in failed_at if at >= since)
    if failures >= MAX_PIN_FAILURES:
        return CardCheck(None, CardLocked(minutes=_minutes()))
    if not pin_matches(card.pin_hash, pin):
        left = MAX_PIN_FAILURES - failures - 1
        if _blocked(failed_at + [now]):
            error = CardBlocked()
        else:
            error = WrongPin(left=left) if left else CardLocked(minutes=_minutes())
        return _failed(session, card.id, actor, now, error)
    session.add(CardAttempt(card_id=card.id, actor=actor, succeeded=True, at=now))
    session.flush()
    return CardCheck(card.household_id)


def _blocked(failed_at: list[datetime]) -> bool:
    """Whether ``BLOCK_FAILURES`` of these failure times (in order) fall within ``BLOCK_PERIOD``."""
    return any(
        failed_at[i + BLOCK_FAILURES - 1] - failed_at[i] <= BLOCK_PERIOD
        for i in range(len(failed_at) - BLOCK_FAILURES + 1)
    )


def _failed(session: Session, card_id: int | None, actor: str, now: datetime, error: CardError) -> CardCheck:
    session.add(CardAttempt(card_id=card_id, actor=actor, succeeded=False, at=now))
    session.flush()
    return CardCheck(None, error)


def _minutes() -> int:
    return int(WINDOW.total_seconds() // 60)


def identify_by_card(
    session: Session, number: str, pin: str, actor: str = "counter", now: datetime | None = None
) -> int:
    """The id of the household whose card in use has ``number`` and ``pin``, for the counter.

    Commits the attempt in a transaction of its own (the session must hold no pending changes),
    then raises the refusal if there is one: :class:`CardMalformed`, :class:`CardMistyped`,
    :class:`UnknownCard`, :class:`CardRevoked`, :class:`WrongPin`, :class:`CardLocked`,
    :class:`CardBlocked` or :class:`CounterLocked`; :class:`PinRequired` (recording nothing) when
    ``pin`` is empty.
    """
    if not (pin or "").strip():
        raise PinRequired()
    moment = now or utcnow()
    outcome = run_in_transaction(session, lambda: check_card(session, number, pin, actor, moment))
    if outcome.error is not None:
        raise outcome.error
    return outcome.household_id
