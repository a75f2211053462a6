"""Consumption tax: once per rate on the rate's subtotal, rounded once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rules.tax import (
    TaxBreakdown,
    TaxCategory,
    TaxRounding,
    compute_taxes,
    rate_of,
    total_tax,
)
from kit.money import Currency, from_minor_units, to_minor_units

FAST = settings(max_examples=60, deadline=None)
JPY, USD = Currency.JPY, Currency.USD
STANDARD, REDUCED, EXEMPT = TaxCategory.STANDARD, TaxCategory.REDUCED, TaxCategory.EXEMPT

ACCEPTANCE_LINES = [
    (Decimal("1005"), STANDARD),
    (Decimal("1005"), STANDARD),
    (Decimal("1005"), STANDARD),
    (Decimal("2000"), REDUCED),
]


def test_rates_are_ten_eight_and_zero_percent():
    assert rate_of(STANDARD) == Decimal("0.10")
    assert rate_of(REDUCED) == Decimal("0.08")
    assert rate_of(EXEMPT) == Decimal("0")


def test_acceptance_example_tax_per_rate_on_the_subtotal():
    assert compute_taxes(ACCEPTANCE_LINES, JPY) == [
        TaxBreakdown(STANDARD, Decimal("0.10"), Decimal("3015"), Decimal("301")),
        TaxBreakdown(REDUCED, Decimal("0.08"), Decimal("2000"), Decimal("160")),
    ]
    assert total_tax(compute_taxes(ACCEPTANCE_LINES, JPY), JPY) == Decimal("461")


def test_summing_per_line_rounded_taxes_would_give_a_different_total():
    per_line = sum(
        total_tax(compute_taxes([line], JPY), JPY) for line in ACCEPTANCE_LINES
    )
    assert per_line == Decimal("460")  # 100 + 100 + 100 + 160: the wrong way
    assert total_tax(compute_taxes(ACCEPTANCE_LINES, JPY), JPY) == Decimal("461")


@pytest.mark.parametrize(
    ("subtotal", "rounding", "expected"),
    [
        ("3015", TaxRounding.DOWN, "301"),
        ("3015", TaxRounding.HALF_UP, "302"),
        ("3015", TaxRounding.UP, "302"),
        ("1004", TaxRounding.DOWN, "100"),
        ("1004", TaxRounding.HALF_UP, "100"),
        ("1004", TaxRounding.UP, "101"),
        ("1000", TaxRounding.UP, "100"),
    ],
)
def test_rounding_mode_applies_to_the_rate_subtotal(subtotal, rounding, expected):
    [breakdown] = compute_taxes([(Decimal(subtotal), STANDARD)], JPY, rounding)
    assert breakdown.tax_amount == Decimal(expected)


def test_rounding_defaults_to_down():
    [breakdown] = compute_taxes([(Decimal("1009"), STANDARD)], JPY)
    assert breakdown.tax_amount == Decimal("100")


def test_negative_subtotal_is_rounded_toward_zero_by_default():
    [breakdown] = compute_taxes([(Decimal("-1005"), STANDARD)], JPY)
    assert breakdown.tax_amount == Decimal("-100")


def test_usd_tax_is_rounded_to_cents():
    [breakdown] = compute_taxes([(Decimal("10.05"), REDUCED)], USD)
    assert breakdown.tax_amount == Decimal("0.80")
    assert breakdown.tax_amount.as_tuple().exponent == -2


def test_breakdowns_come_in_rate_order_and_include_exempt_with_zero_tax():
    lines = [(Decimal("500"), EXEMPT), (Decimal("100"), REDUCED), (Decimal("200"), STANDARD)]
    breakdowns = compute_taxes(lines, JPY)
    assert [b.category for b in breakdowns] == [STANDARD, REDUCED, EXEMPT]
    assert breakdowns[2] == TaxBreakdown(EXEMPT, Decimal("0"), Decimal("500"), Decimal("0"))


def test_no_lines_means_no_tax_lines():
    assert compute_taxes([], JPY) == []
    assert total_tax([], USD) == Decimal("0.00")


def test_untaxed_coverage_yields_no_tax_lines():
    assert compute_taxes(ACCEPTANCE_LINES, USD, taxed=False) == []


def test_untaxed_coverage_still_validates_its_lines():
    with pytest.raises(TypeError):
        compute_taxes([(10.0, STANDARD)], USD, taxed=False)


def test_amounts_finer_than_the_minor_unit_are_rejected():
    with pytest.raises(ValueError):
        compute_taxes([(Decimal("1005.5"), STANDARD)], JPY)


def test_floats_and_unknown_categories_are_rejected():
    with pytest.raises(TypeError):
        compute_taxes([(1005.0, STANDARD)], JPY)
    with pytest.raises(TypeError):
        compute_taxes([(Decimal("1005"), "STANDARD")], JPY)


lines_strategy = st.lists(
    st.tuples(st.integers(0, 10**7), st.sampled_from(TaxCategory)), max_size=12
)


@FAST
@given(raw=lines_strategy, currency=st.sampled_from(Currency), data=st.data())
def test_tax_depends_only_on_the_subtotal_per_rate(raw, currency, data):
    lines = [(from_minor_units(units, currency), category) for units, category in raw]
    shuffled = data.draw(st.permutations(lines))
    merged: dict[TaxCategory, int] = {}
    for units, category in raw:
        merged[category] = merged.get(category, 0) + units
    one_line_per_rate = [(from_minor_units(u, currency), c) for c, u in merged.items()]
    expected = compute_taxes(lines, currency)
    assert compute_taxes(shuffled, currency) == expected
    assert compute_taxes(one_line_per_rate, currency) == expected


@FAST
@given(raw=lines_strategy, currency=st.sampled_from(Currency))
def test_tax_rounded_down_is_within_one_minor_unit_below_the_exact_tax(raw, currency):
    lines = [(from_minor_units(units, currency), category) for units, category in raw]
    for breakdown in compute_taxes(lines, currency):
        exact = breakdown.taxable_amount * breakdown.rate
        gap = exact - breakdown.tax_amount
        assert Decimal(0) <= gap < currency.quantum
        assert breakdown.rate == rate_of(breakdown.category)
    per_line = sum(
        to_minor_units(b.tax_amount, currency)
        for line in lines
        for b in compute_taxes([line], currency)
    )
    per_rate = total_tax(compute_taxes(lines, currency), currency)
    assert to_minor_units(per_rate, currency) >= per_line
