"""Qualified-invoice registration number: T + check digit + 12 digits."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from billing.rules.registration_number import (
    RegistrationNumberError,
    check_digit,
    make_registration_number,
    validate_registration_number,
)

FAST = settings(max_examples=150, deadline=None)


def test_acceptance_example_is_valid():
    assert validate_registration_number("T7000012050002") is None


def test_acceptance_example_with_last_digit_changed_fails_the_check_digit():
    assert validate_registration_number("T7000012050003") == "check_digit"
    assert validate_registration_number("T7000012050003") is RegistrationNumberError.CHECK_DIGIT


def test_weights_run_from_the_rightmost_digit():
    # from the right: 2x1 + 5x1 + 2x1 + 1x2 = 11; 9 - 11 mod 9 = 7.
    # Weighting from the left would give 9 - (1 + 2x2 + 5x2 + 2x2) mod 9 = 8.
    assert check_digit("000012050002") == 7


def test_check_digit_is_nine_when_the_weighted_sum_is_a_multiple_of_nine():
    assert check_digit("000000000000") == 9
    assert validate_registration_number("T9000000000000") is None
    assert validate_registration_number("T0000000000000") == "check_digit"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "7000012050002",
        "t7000012050002",
        "T700001205000",
        "T70000120500021",
        "T7000-012050002",
        "T 7000012050002",
        "T7000012050002\n",
        "T７000012050002",
        "X7000012050002",
    ],
)
def test_malformed_numbers_are_format_errors(value):
    assert validate_registration_number(value) == "format"


def test_non_string_input_is_a_programming_error():
    with pytest.raises(TypeError):
        validate_registration_number(7000012050002)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        check_digit("12345")


bodies = st.text(alphabet="0123456789", min_size=12, max_size=12)


@FAST
@given(body=bodies)
def test_any_twelve_digits_with_their_check_digit_validate(body):
    number = make_registration_number(body)
    assert len(number) == 14
    assert 1 <= int(number[1]) <= 9
    assert validate_registration_number(number) is None


@FAST
@given(body=bodies, position=st.integers(1, 13), digit=st.sampled_from("0123456789"))
def test_changing_any_single_digit_invalidates(body, position, digit):
    number = make_registration_number(body)
    original = number[position]
    assume(digit != original)
    # a mod-9 check digit cannot see a 0 <-> 9 swap among the 12 body digits
    assume(position == 1 or {digit, original} != {"0", "9"})
    changed = number[:position] + digit + number[position + 1 :]
    assert validate_registration_number(changed) == "check_digit"


@FAST
@given(body=bodies, position=st.integers(0, 11), digit=st.sampled_from("09"))
def test_a_zero_nine_swap_in_the_body_is_the_blind_spot_of_mod_nine(body, position, digit):
    with_digit = body[:position] + digit + body[position + 1 :]
    swapped = body[:position] + ("9" if digit == "0" else "0") + body[position + 1 :]
    assert check_digit(swapped) == check_digit(with_digit)
