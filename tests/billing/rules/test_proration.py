"""Co-termination proration: months of the term (from the term start's day), a partial
month by its days, round once per line; calendar months for usage."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rules.periods import month_start
from billing.rules.proration import months_of_service, prorate, term_months
from kit.money import Currency, to_minor_units

FAST = settings(max_examples=60, deadline=None)
USD, JPY = Currency.USD, Currency.JPY
JAN_1, DEC_31 = date(2026, 1, 1), date(2026, 12, 31)


def annual_2026(monthly: str, active: date, *, pooled: bool = False, qty: int = 1) -> Decimal:
    """Charge of a line in the annual-in-advance period Jan 1 - Dec 31 2026."""
    return prorate(Decimal(monthly), qty, active, DEC_31, USD, pooled, JAN_1, term_start=JAN_1)


def test_paas_line_active_from_term_start_is_charged_twelve_months():
    assert annual_2026("2000", JAN_1) == Decimal("24000.00")


def test_saas_line_activated_feb_1_is_charged_eleven_months():
    assert annual_2026("2000", date(2026, 2, 1)) == Decimal("22000.00")


def test_line_activated_on_jan_31_pays_one_day_of_january_plus_eleven_months():
    # 2000 x (1/31 + 11) = 22064.516... -> 22064.52
    assert months_of_service(date(2026, 1, 31), DEC_31) == 11 + Fraction(1, 31)
    assert annual_2026("2000", date(2026, 1, 31)) == Decimal("22064.52")


def test_activation_on_leap_day_counts_one_twenty_ninth_of_february():
    # 2000 x (1/29 + 10) = 20068.9655... -> 20068.97
    start, end, term_start = date(2028, 2, 29), date(2028, 12, 31), date(2028, 1, 1)
    assert term_months(term_start, start, end) == 10 + Fraction(1, 29)
    assert prorate(
        Decimal("2000"), 1, start, end, USD, False, term_start, term_start=term_start
    ) == Decimal("20068.97")


def test_february_days_weigh_more_in_a_common_year_than_in_a_leap_year():
    assert months_of_service(date(2027, 2, 15), date(2027, 2, 28)) == Fraction(14, 28)
    assert months_of_service(date(2028, 2, 15), date(2028, 2, 29)) == Fraction(15, 29)
    feb_1 = date(2028, 2, 1)
    assert prorate(
        Decimal("2000"), 1, date(2028, 2, 15), date(2028, 2, 29), USD, False, feb_1, term_start=feb_1
    ) == Decimal("1034.48")


def test_jpy_charge_is_rounded_half_up_to_whole_yen():
    # 10000 x (16/31 + 2) = 25161.29... -> 25161
    charge = prorate(
        Decimal("10000"), 1, date(2026, 1, 16), date(2026, 3, 31), JPY, False, JAN_1, term_start=JAN_1
    )
    assert charge == Decimal("25161")
    # 1 yen x 1/2 month = 0.5 -> 1 (half up, not to even)
    feb_1 = date(2026, 2, 1)
    assert prorate(
        Decimal("1"), 1, date(2026, 2, 15), date(2026, 2, 28), JPY, False, feb_1, term_start=feb_1
    ) == Decimal("1")


def test_quantity_multiplies_before_the_single_rounding_of_the_line():
    # 3 x 0.01 USD for half of February = 0.015 -> 0.02 (rounding per unit would give 0.03)
    feb_1 = date(2026, 2, 1)
    charge = prorate(
        Decimal("0.01"), 3, date(2026, 2, 15), date(2026, 2, 28), USD, False, feb_1, term_start=feb_1
    )
    assert charge == Decimal("0.02")
    assert annual_2026("2000", date(2026, 2, 1), qty=4) == Decimal("88000.00")
    assert annual_2026("2000", date(2026, 2, 1), qty=0) == Decimal("0.00")


def test_line_activated_before_the_period_is_charged_from_the_period_start():
    charge = prorate(
        Decimal("2000"), 1, date(2025, 6, 10), date(2026, 3, 31), USD, False, JAN_1, term_start=JAN_1
    )
    assert charge == Decimal("6000.00")


def test_line_activated_after_the_period_costs_nothing_in_it():
    assert annual_2026("2000", date(2027, 1, 1)) == Decimal("0.00")
    assert annual_2026("2000", date(2027, 1, 1), pooled=True) == Decimal("0.00")


def test_pooled_capacity_is_charged_the_whole_period_whatever_its_activation_day():
    assert annual_2026("2000", date(2026, 3, 10), pooled=True) == Decimal("24000.00")
    assert annual_2026("2000", DEC_31, pooled=True) == Decimal("24000.00")
    assert annual_2026("2000", date(2026, 3, 10), pooled=False) < Decimal("24000.00")


def test_pooled_capacity_in_a_period_cut_at_term_end_pays_that_periods_months():
    # last quarterly period cut at the term end: Jul 1 - Aug 31 = 2 months
    charge = prorate(
        Decimal("2000"), 1, date(2026, 8, 20), date(2026, 8, 31), USD, True, date(2026, 7, 1),
        term_start=JAN_1,
    )
    assert charge == Decimal("4000.00")


def test_months_are_counted_from_the_term_start_day():
    feb_15 = date(2027, 2, 15)
    assert term_months(feb_15, feb_15, date(2027, 3, 14)) == 1
    assert term_months(feb_15, feb_15, date(2027, 5, 14)) == 3
    assert term_months(feb_15, feb_15, date(2028, 2, 14)) == 12
    jan_31 = date(2026, 1, 31)
    assert term_months(jan_31, jan_31, date(2026, 2, 28)) == 1
    assert term_months(jan_31, date(2026, 3, 1), date(2026, 3, 30)) == 1
    assert term_months(jan_31, date(2026, 3, 31), date(2026, 4, 30)) == 1
    assert term_months(date(2028, 1, 31), date(2028, 1, 31), date(2028, 2, 29)) == 1
    # calendar months would give 17/31 + 14/28 for Jan 15 - Feb 14
    assert term_months(date(2026, 1, 15), date(2026, 1, 15), date(2026, 2, 14)) == 1


def test_a_partial_month_counts_its_days_of_the_month_of_the_term():
    feb_15 = date(2027, 2, 15)
    # Mar 1 - Mar 14 of the month Feb 15 - Mar 14 (28 days)
    assert term_months(feb_15, date(2027, 3, 1), date(2027, 3, 14)) == Fraction(14, 28)
    # activated Mar 1: 14/28 + 11 months to the term end Feb 14 2028
    assert term_months(feb_15, date(2027, 3, 1), date(2028, 2, 14)) == 11 + Fraction(1, 2)
    assert prorate(
        Decimal("10000"), 1, date(2027, 3, 1), date(2028, 2, 14), JPY, False, feb_15, term_start=feb_15
    ) == Decimal("115000")
    # a term end cutting a month: Jun 15 - Jun 30 of the month Jun 15 - Jul 14 (30 days)
    assert term_months(feb_15, feb_15, date(2027, 6, 30)) == 4 + Fraction(16, 30)
    assert prorate(
        Decimal("10000"), 1, feb_15, date(2027, 6, 30), JPY, False, feb_15, term_start=feb_15
    ) == Decimal("45333")
    # Mar 15 - Mar 30 of the month Mar 1 - Mar 30 of a term from Jan 31
    assert term_months(date(2026, 1, 31), date(2026, 3, 15), date(2026, 3, 30)) == Fraction(16, 30)


def test_usage_months_of_service_stay_calendar_months():
    # Jan 15 - Feb 14 2026: 17/31 of January + 14/28 of February
    assert months_of_service(date(2026, 1, 15), date(2026, 2, 14)) == Fraction(17, 31) + Fraction(
        1, 2
    )
    assert months_of_service(date(2026, 1, 31), date(2026, 2, 28)) == Fraction(1, 31) + 1


def test_empty_span_is_zero_months():
    assert months_of_service(date(2026, 2, 2), date(2026, 2, 1)) == 0
    assert term_months(date(2026, 1, 31), date(2026, 2, 2), date(2026, 2, 1)) == 0


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"monthly_amount": 2000.0}, TypeError),
        ({"monthly_amount": 2000}, TypeError),
        ({"monthly_amount": Decimal("NaN")}, ValueError),
        ({"quantity": 1.0}, TypeError),
        ({"quantity": -1}, ValueError),
        ({"end": date(2025, 12, 31)}, ValueError),
    ],
)
def test_bad_inputs_are_rejected(kwargs, error):
    args = {
        "monthly_amount": Decimal("2000"),
        "quantity": 1,
        "start": JAN_1,
        "end": DEC_31,
        "currency": USD,
        "pooled": False,
        "period_start": JAN_1,
        "term_start": JAN_1,
    }
    with pytest.raises(error):
        prorate(**(args | kwargs))


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31))


@st.composite
def split_spans(draw):
    """A span start..end and its consecutive parts (inclusive ends)."""
    start = draw(days)
    length = draw(st.integers(0, 3 * 366))
    cuts = sorted(draw(st.sets(st.integers(1, length), max_size=8)) if length else [])
    bounds = [0, *cuts, length + 1]
    parts = [
        (start + timedelta(days=a), start + timedelta(days=b - 1))
        for a, b in zip(bounds, bounds[1:])
    ]
    return start, start + timedelta(days=length), parts


@FAST
@given(span=split_spans(), term_start=days)
def test_months_of_consecutive_parts_sum_exactly_to_the_whole(span, term_start):
    start, end, parts = span
    assert sum(months_of_service(a, b) for a, b in parts) == months_of_service(start, end)
    assert sum(term_months(term_start, a, b) for a, b in parts) == term_months(term_start, start, end)


@FAST
@given(
    span=split_spans(),
    cents=st.integers(0, 10**9),
    quantity=st.integers(0, 50),
    currency=st.sampled_from(Currency),
)
def test_prorated_parts_sum_to_the_whole_within_one_minor_unit_per_part(
    span, cents, quantity, currency
):
    start, end, parts = span
    monthly = Decimal(cents).scaleb(-currency.minor_digits)

    def units(a: date, b: date) -> int:
        return to_minor_units(prorate(monthly, quantity, a, b, currency, False, a, term_start=start), currency)

    total_of_parts = sum(units(a, b) for a, b in parts)
    assert abs(total_of_parts - units(start, end)) <= len(parts)


@FAST
@given(day=days)
def test_a_whole_calendar_month_counts_exactly_one(day):
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    assert months_of_service(first, last) == 1
    assert months_of_service(first.replace(month=1), first.replace(month=12, day=31)) == 12


@FAST
@given(term_start=days, k=st.integers(0, 40), months=st.integers(1, 36))
def test_whole_months_of_a_term_count_exactly_one_each(term_start, k, months):
    first, following = month_start(term_start, k), month_start(term_start, k + months)
    assert term_months(term_start, first, following - timedelta(days=1)) == months
    assert term_months(term_start, first, first) == Fraction(1, (month_start(term_start, k + 1) - first).days)


@FAST
@given(span=split_spans())
def test_the_months_of_a_term_from_the_first_are_calendar_months(span):
    start, end, _ = span
    assert term_months(start.replace(day=1), start, end) == months_of_service(start, end)
    assert term_months(date(2020, 1, 1), start, end) == months_of_service(start, end)


@FAST
@given(
    activation=st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 2, 1)),
    later=st.integers(0, 400),
)
def test_later_activation_never_costs_more(activation, later):
    earlier_charge = annual_2026("2000", activation)
    later_charge = annual_2026("2000", activation + timedelta(days=later))
    assert Decimal(0) <= later_charge <= earlier_charge <= Decimal("24000.00")
