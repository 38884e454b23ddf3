"""Codes people type: credit codes in Crockford base32 with its mod-37 check symbol, and card
numbers in digits with a Damm check digit. Both catch any single mistyped character and any two
neighbours swapped, so a slip of the finger is reported as a typo, never taken for another code.
"""

import re
import secrets

# Crockford's base32: no I, L, O, U (read as 1, 1, 0 and never used), so nothing looks alike.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# The check symbol is the value mod 37: the 32 symbols above and five more (Crockford's spec).
CHECK_SYMBOLS = ALPHABET + "*~$=U"
_VALUE = {symbol: value for value, symbol in enumerate(CHECK_SYMBOLS)}
# What people type for what they mean: lower case, and the letters that look like digits.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]+")

CREDIT_BODY_LENGTH = 10  # 50 random bits: guessing one of even a million live codes is hopeless
CARD_BODY_DIGITS = 8


class Mistyped(ValueError):
    """The check character does not match: at least one character was typed wrong."""


class Malformed(ValueError):
    """Not a code of this kind at all (wrong length or characters)."""


def check_symbol(body: str) -> str:
    """Crockford's check symbol for ``body`` (already normalised): its value mod 37."""
    value = 0
    for symbol in body:
        value = (value * 32 + _VALUE[symbol]) % 37
    return CHECK_SYMBOLS[value]


def new_credit_code() -> str:
    """A fresh random credit code: ``CREDIT_BODY_LENGTH`` symbols and the check symbol."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(CREDIT_BODY_LENGTH))
    return body + check_symbol(body)


def normalise_credit_code(text: str) -> str:
    """The canonical form of a typed or scanned credit code (upper case, no separators, I/L/O
    read as 1/1/0). Raises :class:`Malformed` if it cannot be a credit code and
    :class:`Mistyped` if its check symbol does not match."""
    if not isinstance(text, str):
        raise Malformed("not text")
    code = _SEPARATORS.sub("", text.strip().upper())
    if len(code) != CREDIT_BODY_LENGTH + 1:
        raise Malformed(f"a credit code has {CREDIT_BODY_LENGTH + 1} characters")
    body, check = code[:-1].translate(_READ_AS), code[-1]
    if check != "U":  # U is only ever a check symbol; the others read as in the body
        check = check.translate(_READ_AS)
    if any(symbol not in ALPHABET for symbol in body) or check not in _VALUE:
        raise Malformed("not a Crockford base32 code")
    if check_symbol(body) != check:
        raise Mistyped("check symbol does not match")
    return body + check


def format_credit_code(code: str) -> str:
    """``ABCD-EFGH-JKZ``: groups of four are easier to read aloud and to type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# Damm's quasigroup of order 10: a check digit that catches every single-digit error and every
# transposition of neighbouring digits (Luhn misses 09/90).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits: str) -> str:
    """The Damm check digit of ``digits``; a number ending in its check digit gives ``"0"``."""
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return str(interim)


def new_card_number() -> str:
    """A fresh random card number: ``CARD_BODY_DIGITS`` digits (never a leading 0) and a Damm
    check digit. Random, not sequential, so one card's number says nothing of another's."""
    body = str(secrets.randbelow(9) + 1) + "".join(
        str(secrets.randbelow(10)) for _ in range(CARD_BODY_DIGITS - 1)
    )
    return body + damm_digit(body)


def normalise_card_number(text: str) -> str:
    """The card number in ``text`` (spaces and dashes ignored). Raises :class:`Malformed` or
    :class:`Mistyped` like :func:`normalise_credit_code`."""
    if not isinstance(text, str):
        raise Malformed("not text")
    number = _SEPARATORS.sub("", text.strip())
    if len(number) != CARD_BODY_DIGITS + 1 or not number.isascii() or not number.isdigit():
        raise Malformed(f"a card number has {CARD_BODY_DIGITS + 1} digits")
    if damm_digit(number) != "0":
        raise Mistyped("check digit does not match")
    return number


def looks_like_card_number(text: str) -> bool:
    """Whether ``text`` has the shape of a card number (digits, spaces, dashes), right or wrong:
    the counter sends it to the card check, which then says what is wrong with it."""
    compact = _SEPARATORS.sub("", (text or "").strip())
    # One digit too few or too many is still a card, mistyped: the card check says so.
    digits = compact.isascii() and compact.isdigit()
    return digits and CARD_BODY_DIGITS <= len(compact) <= CARD_BODY_DIGITS + 2


def format_card_number(number: str) -> str:
    """``123 456 789``: three groups of three, as printed on the card."""
    return " ".join(number[i : i + 3] for i in range(0, len(number), 3))
