"""Credit codes and card numbers catch a mistyped or swapped character instead of naming another."""

import itertools

import pytest

from redeem.codes import (
    ALPHABET,
    CHECK_SYMBOLS,
    Malformed,
    Mistyped,
    check_symbol,
    damm_digit,
    format_card_number,
    format_credit_code,
    looks_like_card_number,
    new_card_number,
    new_credit_code,
    normalise_card_number,
    normalise_credit_code,
)


def test_crockford_check_symbol_follows_the_spec():
    # Crockford: the check symbol is the number's value mod 37, 32 -> "*" ... 36 -> "U".
    assert check_symbol("0") == "0"
    assert check_symbol("Z") == "Z"  # 31
    assert check_symbol("10") == "*"  # 32
    assert check_symbol("13") == "=" and check_symbol("14") == "U"  # 35, 36
    assert check_symbol("15") == "0"  # 37 mod 37
    assert len(CHECK_SYMBOLS) == 37


def test_a_new_code_reads_back_in_any_case_with_dashes_and_look_alike_letters():
    code = new_credit_code()
    assert len(code) == 11 and all(c in ALPHABET for c in code[:-1])
    assert normalise_credit_code(code) == code
    assert normalise_credit_code(format_credit_code(code).lower()) == code
    assert normalise_credit_code(" " + "-".join(code) + " ") == code
    body = "0123456789"
    check = check_symbol(body)
    # o for 0 and l for 1 are what people mean; they read as the digits.
    assert normalise_credit_code("o l234567 89" + check) == body + check
    with pytest.raises(Mistyped):  # a B where an 8 belongs is a typo, not a look-alike
        normalise_credit_code("01234567B9" + check)


def test_every_single_substitution_in_a_code_is_caught():
    code = new_credit_code()
    for position, symbol in itertools.product(range(10), ALPHABET):
        if symbol == code[position]:
            continue
        typo = code[:position] + symbol + code[position + 1 :]
        with pytest.raises(Mistyped):
            normalise_credit_code(typo)


def test_every_swap_of_neighbours_in_a_code_is_caught():
    for _ in range(50):
        code = new_credit_code()
        for position in range(len(code) - 1):
            a, b = code[position], code[position + 1]
            if a == b:
                continue
            swapped = code[:position] + b + a + code[position + 2 :]
            with pytest.raises((Mistyped, Malformed)):
                normalise_credit_code(swapped)


@pytest.mark.parametrize("text", ["", "ABC", "0123456789AB", "0123456789!", "U123456789A", None])
def test_what_cannot_be_a_code_is_malformed(text):
    with pytest.raises(Malformed):
        normalise_credit_code(text)


def test_card_numbers_catch_every_single_digit_error_and_neighbour_swap():
    for _ in range(30):
        number = new_card_number()
        assert len(number) == 9 and number[0] != "0"
        assert normalise_card_number(format_card_number(number)) == number
        assert damm_digit(number) == "0"
        for position, digit in itertools.product(range(9), "0123456789"):
            if digit != number[position]:
                with pytest.raises(Mistyped):
                    normalise_card_number(number[:position] + digit + number[position + 1 :])
        for position in range(8):
            a, b = number[position], number[position + 1]
            if a != b:
                with pytest.raises(Mistyped):
                    normalise_card_number(number[:position] + b + a + number[position + 2 :])


@pytest.mark.parametrize("text", ["", "12345678", "1234567890", "12345678a", "１２３４５６７８９"])
def test_what_cannot_be_a_card_number_is_malformed(text):
    with pytest.raises(Malformed):
        normalise_card_number(text)


def test_what_looks_like_a_card_number_goes_to_the_card_check():
    assert looks_like_card_number("600 000 017") and looks_like_card_number("60000001")
    assert not looks_like_card_number("12345")  # too short to be a card: a member code typo
    assert not looks_like_card_number("M12.29000000.abcdef0123456789")
    assert not looks_like_card_number("https://x.org/credits/c/0123456789A")
    assert not looks_like_card_number("１２３４５６７８９") and not looks_like_card_number("")
