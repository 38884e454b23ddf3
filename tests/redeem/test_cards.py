"""A household card identifies its household with the PIN the household chose; guessing is
throttled, and a lost card is replaced without touching the balance."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from incentives.places.models import Level
from ledger.models import Account, Entry
from ledger.transaction import run_in_transaction
from redeem.card_models import CardAttempt, HouseholdCard
from redeem.cards import (
    MAX_ACTOR_FAILURES,
    MAX_LOCKOUTS,
    MAX_PIN_FAILURES,
    CardBlocked,
    CardExists,
    CardLocked,
    CardMalformed,
    CardMistyped,
    CardRevoked,
    CounterLocked,
    PinRequired,
    UnknownCard,
    WeakPin,
    WrongPin,
    change_pin,
    identify_by_card,
    issue_card,
    reissue_card,
)
from redeem.codes import damm_digit
from tests.factories import fund, make_household, make_region

NOW = datetime(2026, 11, 29, 2, 0)
PIN = "2580"


@pytest.fixture
def household(session):
    county = make_region(session, "平安县", Level.COUNTY)
    township = make_region(session, "和平镇", Level.TOWNSHIP, county)
    village = make_region(session, "和平村", Level.VILLAGE, township)
    return make_household(session, village, "刘桂兰")


def issue(session, household, pin=PIN):
    return run_in_transaction(session, lambda: issue_card(session, household.id, pin, "user:c", NOW))


def identify(session, number, pin=PIN, actor="user:clerk", now=NOW):
    return identify_by_card(session, number, pin, actor=actor, now=now)


@pytest.mark.parametrize("pin", ["", "123", "1234567", "12a4", "1111", "1234", "4321", "890123", "０１３５"])
def test_pins_too_short_or_too_easy_are_refused(session, household, pin):
    with pytest.raises(WeakPin):
        issue(session, household, pin)
    assert session.execute(select(func.count(HouseholdCard.id))).scalar_one() == 0


def test_card_and_pin_identify_the_household_and_the_pin_is_not_stored(session, household):
    card = issue(session, household)
    assert len(card.number) == 9 and damm_digit(card.number) == "0"
    assert PIN not in card.pin_hash and card.pin_hash.startswith("scrypt:")

    assert identify(session, card.number) == household.id
    assert identify(session, f"{card.number[:3]} {card.number[3:6]} {card.number[6:]}") == household.id
    with pytest.raises(CardExists):
        issue(session, household, "3691")


def test_refusals_at_the_counter(session, household):
    card = issue(session, household)
    wrong_digit = card.number[:4] + str((int(card.number[4]) + 1) % 10) + card.number[5:]
    with pytest.raises(CardMistyped):
        identify(session, wrong_digit)
    with pytest.raises(CardMalformed):
        identify(session, "12345")
    unknown = "12345678"
    with pytest.raises(UnknownCard):
        identify(session, unknown + damm_digit(unknown) if unknown + damm_digit(unknown) != card.number
                 else "87654321" + damm_digit("87654321"))
    with pytest.raises(WrongPin) as wrong:
        identify(session, card.number, "9999")
    assert wrong.value.params == {"left": 4}


def test_five_wrong_pins_lock_the_card_even_for_the_right_pin(session, household):
    card = issue(session, household)
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongPin) as wrong:
            identify(session, card.number, "0000")
        assert wrong.value.params["left"] == left
    with pytest.raises(CardLocked):
        identify(session, card.number, "0000")
    with pytest.raises(CardLocked):  # the right PIN too: guessing gains nothing
        identify(session, card.number, PIN, now=NOW + timedelta(minutes=14))
    # Every attempt was recorded, though each was refused.
    assert session.execute(select(func.count(CardAttempt.id))).scalar_one() == 5
    assert identify(session, card.number, PIN, now=NOW + timedelta(minutes=16)) == household.id


def test_a_success_resets_the_count_and_a_new_pin_unlocks(session, household):
    card = issue(session, household)
    for _ in range(4):
        with pytest.raises(WrongPin):
            identify(session, card.number, "0000")
    assert identify(session, card.number) == household.id
    with pytest.raises(WrongPin) as wrong:
        identify(session, card.number, "0000")
    assert wrong.value.params["left"] == 4
    for _ in range(4):
        with pytest.raises((WrongPin, CardLocked)):
            identify(session, card.number, "0000")
    run_in_transaction(session, lambda: change_pin(session, card.id, "3691"))
    assert identify(session, card.number, "3691") == household.id


def test_one_clerk_trying_many_numbers_is_locked_out(session, household):
    card = issue(session, household)
    for n in range(MAX_ACTOR_FAILURES):
        body = f"{20000000 + n}"
        with pytest.raises((UnknownCard, CardMistyped)):
            identify(session, body + damm_digit(body), actor="user:guesser")
    with pytest.raises(CounterLocked):
        identify(session, card.number, actor="user:guesser")
    assert identify(session, card.number, actor="user:other-clerk") == household.id


def test_a_lost_card_is_revoked_and_reissued_and_the_balance_stays(session, household):
    fund(session, session.get(Account, household.account_id), 75)
    old = issue(session, household)
    entries_before = session.execute(select(func.count(Entry.id))).scalar_one()

    new = run_in_transaction(
        session, lambda: reissue_card(session, household.id, "3691", "user:c", "遗失", NOW)
    )

    assert new.number != old.number
    with pytest.raises(CardRevoked):
        identify(session, old.number)
    with pytest.raises(CardRevoked):
        identify(session, old.number, "3691")
    assert identify(session, new.number, "3691") == household.id
    session.expire_all()
    assert session.get(Account, household.account_id).balance == 75
    assert session.execute(select(func.count(Entry.id))).scalar_one() == entries_before
    revoked = session.get(HouseholdCard, old.id)
    assert revoked.revoke_reason == "遗失" and revoked.revoked_by == "user:c"


def test_a_card_number_without_its_pin_is_asked_for_not_counted(session, household):
    card = issue(session, household)
    for _ in range(10):
        with pytest.raises(PinRequired):
            identify(session, card.number, "")
    assert session.execute(select(func.count(CardAttempt.id))).scalar_one() == 0
    assert identify(session, card.number) == household.id


def test_three_locks_in_a_day_block_the_card_until_the_pin_is_reset(session, household):
    card = issue(session, household)
    moment = NOW
    for _lock in range(MAX_LOCKOUTS):
        for _ in range(MAX_PIN_FAILURES):
            with pytest.raises((WrongPin, CardLocked, CardBlocked)) as refused:
                identify(session, card.number, "0000", now=moment)
        moment += timedelta(minutes=16)  # each lock lasts a window; then five more guesses
    assert isinstance(refused.value, CardBlocked)  # the 15th wrong PIN says so at once
    # Blocked for good: the right PIN is refused after the window, and after days.
    for later in (timedelta(minutes=16), timedelta(days=3)):
        with pytest.raises(CardBlocked):
            identify(session, card.number, PIN, now=moment + later)
    run_in_transaction(session, lambda: change_pin(session, card.id, "3691"))
    assert identify(session, card.number, "3691", now=moment + timedelta(days=3)) == household.id


def test_failures_spread_over_days_do_not_block_the_card(session, household):
    card = issue(session, household)
    for day in range(4):  # four locks, but a day apart
        for _ in range(MAX_PIN_FAILURES):
            with pytest.raises((WrongPin, CardLocked)):
                identify(session, card.number, "0000", now=NOW + timedelta(days=day))
    assert identify(session, card.number, now=NOW + timedelta(days=4)) == household.id
