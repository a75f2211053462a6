"""Money: exact amounts, half-up rounding to the minor unit, no floats."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit.money import (
    Currency,
    Money,
    from_minor_units,
    quantize_half_up,
    to_minor_units,
)

FAST = settings(max_examples=60, deadline=None)


def test_jpy_has_no_decimals_and_usd_two():
    assert Currency.JPY.minor_digits == 0
    assert Currency.USD.minor_digits == 2
    assert Currency.USD.exponent == 2
    assert Currency.JPY.quantum == Decimal("1")
    assert Currency.USD.quantum == Decimal("0.01")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("0.005"), Currency.USD, Decimal("0.01")),
        (Decimal("0.0049"), Currency.USD, Decimal("0.00")),
        (Decimal("2.5"), Currency.JPY, Decimal("3")),
        (Decimal("3.5"), Currency.JPY, Decimal("4")),  # not banker's rounding
        (Decimal("-2.5"), Currency.JPY, Decimal("-3")),  # halves away from zero
        (Decimal("1004.4"), Currency.JPY, Decimal("1004")),
        (7, Currency.USD, Decimal("7.00")),
    ],
)
def test_quantize_half_up_rounds_halves_away_from_zero(amount, currency, expected):
    result = quantize_half_up(amount, currency)
    assert result == expected
    assert result.as_tuple().exponent == -currency.minor_digits


def test_quantize_half_up_rounds_a_fraction_exactly_once():
    # 2000 x 1/3 = 666.666..., and 1/200 of a dollar is exactly half a cent
    assert quantize_half_up(Fraction(2000, 3), Currency.USD) == Decimal("666.67")
    assert quantize_half_up(Fraction(1, 200), Currency.USD) == Decimal("0.01")
    assert quantize_half_up(Fraction(-1, 200), Currency.USD) == Decimal("-0.01")
    assert quantize_half_up(Fraction(1, 201), Currency.USD) == Decimal("0.00")


@pytest.mark.parametrize(
    "call",
    [
        lambda: quantize_half_up(0.1, Currency.USD),
        lambda: to_minor_units(0.1, Currency.USD),
        lambda: from_minor_units(1.0, Currency.USD),
        lambda: Money(0.1, Currency.USD),
        lambda: Money("1.00", Currency.USD),
        lambda: from_minor_units(True, Currency.USD),
    ],
)
def test_floats_and_other_non_exact_types_are_rejected(call):
    with pytest.raises(TypeError):
        call()


def test_non_finite_amounts_are_rejected():
    with pytest.raises(ValueError):
        Money(Decimal("NaN"), Currency.USD)
    with pytest.raises(ValueError):
        quantize_half_up(Decimal("Infinity"), Currency.JPY)


def test_minor_unit_conversions():
    assert to_minor_units(Decimal("24000.00"), Currency.USD) == 2_400_000
    assert to_minor_units(Decimal("3015"), Currency.JPY) == 3015
    assert from_minor_units(2_200_000, Currency.USD) == Decimal("22000.00")
    assert str(from_minor_units(5, Currency.USD)) == "0.05"
    assert str(from_minor_units(301, Currency.JPY)) == "301"


def test_to_minor_units_refuses_to_round_silently():
    with pytest.raises(ValueError):
        to_minor_units(Decimal("0.005"), Currency.USD)
    with pytest.raises(ValueError):
        to_minor_units(Decimal("1.5"), Currency.JPY)


@FAST
@given(units=st.integers(-(10**15), 10**15), currency=st.sampled_from(Currency))
def test_minor_units_round_trip(units, currency):
    assert to_minor_units(from_minor_units(units, currency), currency) == units


def test_money_zero_carries_the_currency_decimals():
    assert str(Money.zero(Currency.USD)) == "0.00 USD"
    assert str(Money.zero(Currency.JPY)) == "0 JPY"


def test_money_adds_and_subtracts_in_one_currency():
    a = Money(Decimal("10.05"), Currency.USD)
    b = Money(Decimal("0.95"), Currency.USD)
    assert a + b == Money(Decimal("11.00"), Currency.USD)
    assert a - b == Money(Decimal("9.10"), Currency.USD)
    assert -a == Money(Decimal("-10.05"), Currency.USD)
    assert Money(5, Currency.JPY).amount == Decimal(5)


def test_money_refuses_to_mix_currencies():
    with pytest.raises(ValueError):
        Money(Decimal("1"), Currency.USD) + Money(Decimal("1"), Currency.JPY)
    with pytest.raises(TypeError):
        Money(Decimal("1"), Currency.USD) + Decimal("1")


def test_money_is_immutable():
    money = Money(Decimal("1.00"), Currency.USD)
    with pytest.raises(AttributeError):
        money.amount = Decimal("2.00")  # type: ignore[misc]


def test_money_minor_units_and_quantized():
    assert Money.of_minor_units(1234, Currency.USD) == Money(Decimal("12.34"), Currency.USD)
    assert Money(Decimal("12.34"), Currency.USD).minor_units() == 1234
    assert Money(Decimal("12.345"), Currency.USD).quantized().amount == Decimal("12.35")


@FAST
@given(
    a=st.integers(-(10**12), 10**12),
    b=st.integers(-(10**12), 10**12),
    currency=st.sampled_from(Currency),
)
def test_money_arithmetic_matches_minor_unit_arithmetic(a, b, currency):
    x, y = Money.of_minor_units(a, currency), Money.of_minor_units(b, currency)
    assert (x + y).minor_units() == a + b
    assert (x - y).minor_units() == a - b
    assert (x + y) - y == x
