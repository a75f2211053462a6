"""Months of a term (counted from the term start's day) and billing periods: whole
months of the term, aligned to the term start, cut at the term end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rules.periods import (
    BillingFrequency,
    Period,
    add_months,
    billing_periods,
    days_in_month,
    month_index,
    month_start,
    period_billing_date,
    period_containing,
)

FAST = settings(max_examples=60, deadline=None)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def test_frequencies_know_their_length_and_timing():
    assert BillingFrequency.MONTHLY_IN_ADVANCE.months_per_period == 1
    assert BillingFrequency.QUARTERLY_IN_ADVANCE.months_per_period == 3
    assert BillingFrequency.ANNUAL_IN_ADVANCE.months_per_period == 12
    assert BillingFrequency.QUARTERLY_IN_ARREARS.months_per_period == 3
    assert BillingFrequency.ANNUAL_IN_ADVANCE.in_advance
    assert not BillingFrequency.QUARTERLY_IN_ARREARS.in_advance


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_annual_term_is_one_period():
    periods = billing_periods(
        date(2026, 1, 1), date(2026, 12, 31), BillingFrequency.ANNUAL_IN_ADVANCE
    )
    assert periods == [Period(date(2026, 1, 1), date(2026, 12, 31))]


def test_quarterly_periods_are_aligned_to_a_mid_month_term_start_and_cut_at_term_end():
    periods = billing_periods(
        date(2026, 1, 15), date(2026, 8, 31), BillingFrequency.QUARTERLY_IN_ADVANCE
    )
    assert periods == [
        Period(date(2026, 1, 15), date(2026, 4, 14)),
        Period(date(2026, 4, 15), date(2026, 7, 14)),
        Period(date(2026, 7, 15), date(2026, 8, 31)),
    ]


def test_monthly_periods_from_the_31st_are_the_months_of_the_term():
    periods = billing_periods(
        date(2026, 1, 31), date(2026, 5, 30), BillingFrequency.MONTHLY_IN_ADVANCE
    )
    assert periods == [
        Period(date(2026, 1, 31), date(2026, 2, 28)),
        Period(date(2026, 3, 1), date(2026, 3, 30)),
        Period(date(2026, 3, 31), date(2026, 4, 30)),
        Period(date(2026, 5, 1), date(2026, 5, 30)),
    ]


def test_months_of_a_term_from_jan_31_end_the_day_before_the_next_31st_or_on_a_short_months_last_day():
    ends = [month_start(date(2026, 1, 31), k + 1) - timedelta(days=1) for k in range(8)]
    assert [(month_start(date(2026, 1, 31), k), end) for k, end in enumerate(ends)] == [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 30)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 5, 1), date(2026, 5, 30)),
        (date(2026, 5, 31), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 7, 30)),
        (date(2026, 7, 31), date(2026, 8, 30)),
        (date(2026, 8, 31), date(2026, 9, 30)),
    ]
    # a leap year: the first month ends on Feb 29
    assert month_start(date(2028, 1, 31), 1) == date(2028, 3, 1)
    assert month_start(date(2028, 1, 29), 1) == date(2028, 2, 29)
    assert month_start(date(2027, 1, 29), 1) == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("term_start", "k", "expected"),
    [
        (date(2027, 2, 15), 1, date(2027, 3, 15)),
        (date(2027, 2, 15), 12, date(2028, 2, 15)),
        (date(2026, 1, 1), 1, date(2026, 2, 1)),
        (date(2026, 1, 30), 1, date(2026, 3, 1)),
        (date(2026, 1, 30), 2, date(2026, 3, 30)),
        (date(2028, 2, 29), 12, date(2029, 3, 1)),
        (date(2026, 11, 30), 3, date(2027, 3, 1)),
        (date(2026, 3, 31), -1, date(2026, 3, 1)),
        (date(2026, 3, 31), 0, date(2026, 3, 31)),
    ],
)
def test_month_start_is_the_term_start_day_or_the_first_of_the_following_month(term_start, k, expected):
    assert month_start(term_start, k) == expected


def test_one_day_term_has_one_one_day_period():
    day = date(2026, 6, 1)
    assert billing_periods(day, day, BillingFrequency.MONTHLY_IN_ADVANCE) == [Period(day, day)]


def test_term_ending_before_it_starts_is_rejected():
    with pytest.raises(ValueError):
        billing_periods(date(2026, 2, 1), date(2026, 1, 31), BillingFrequency.MONTHLY_IN_ADVANCE)
    with pytest.raises(ValueError):
        Period(date(2026, 2, 1), date(2026, 1, 31))


def test_period_days_and_membership():
    period = Period(date(2028, 2, 1), date(2028, 2, 29))
    assert period.days == 29
    assert date(2028, 2, 29) in period
    assert date(2028, 3, 1) not in period


def test_period_containing_finds_the_period_and_none_outside_the_term():
    start, end = date(2026, 1, 31), date(2026, 12, 31)
    monthly = BillingFrequency.MONTHLY_IN_ADVANCE
    assert period_containing(date(2026, 3, 15), start, end, monthly) == Period(
        date(2026, 3, 1), date(2026, 3, 30)
    )
    assert period_containing(date(2026, 2, 28), start, end, monthly) == Period(
        date(2026, 1, 31), date(2026, 2, 28)
    )
    assert period_containing(date(2026, 1, 30), start, end, monthly) is None
    assert period_containing(date(2027, 1, 1), start, end, monthly) is None


def test_period_billing_date_is_the_start_in_advance_and_the_day_after_in_arrears():
    period = Period(date(2026, 1, 1), date(2026, 3, 31))
    assert period_billing_date(period, BillingFrequency.QUARTERLY_IN_ADVANCE) == date(2026, 1, 1)
    assert period_billing_date(period, BillingFrequency.QUARTERLY_IN_ARREARS) == date(2026, 4, 1)


@FAST
@given(
    term_start=days,
    length=st.integers(0, 3 * 366),
    frequency=st.sampled_from(BillingFrequency),
)
def test_periods_tile_the_term_without_gaps_or_overlaps(term_start, length, frequency):
    term_end = term_start + timedelta(days=length)
    periods = billing_periods(term_start, term_end, frequency)
    assert periods[0].start == term_start
    assert periods[-1].end == term_end
    for before, after in zip(periods, periods[1:]):
        assert after.start == before.end + timedelta(days=1)
    for index, period in enumerate(periods):
        assert period.start == month_start(term_start, index * frequency.months_per_period)


@FAST
@given(
    term_start=days,
    length=st.integers(0, 3 * 366),
    offset=st.integers(0, 3 * 366),
    frequency=st.sampled_from(BillingFrequency),
)
def test_period_containing_agrees_with_billing_periods(term_start, length, offset, frequency):
    term_end = term_start + timedelta(days=length)
    day = term_start + timedelta(days=min(offset, length))
    expected = [p for p in billing_periods(term_start, term_end, frequency) if day in p]
    assert [period_containing(day, term_start, term_end, frequency)] == expected


@FAST
@given(day=days, a=st.integers(-40, 40), b=st.integers(-40, 40))
def test_add_months_lands_in_the_right_month_and_never_past_the_day(day, a, b):
    moved = add_months(day, a)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == a
    assert moved.day <= day.day
    if day.day <= 28:
        assert add_months(moved, b) == add_months(day, a + b)


@FAST
@given(term_start=days, k=st.integers(-40, 40))
def test_months_of_a_term_follow_each_other_and_last_28_to_31_days(term_start, k):
    start, following = month_start(term_start, k), month_start(term_start, k + 1)
    assert 28 <= (following - start).days <= 31
    target = add_months(term_start.replace(day=1), k)  # the k-th calendar month after the start's
    if term_start.day <= days_in_month(target.year, target.month):
        assert start == target.replace(day=term_start.day)
    else:
        assert start == add_months(target, 1)
    assert month_index(term_start, start) == k
    assert month_index(term_start, following - timedelta(days=1)) == k


@FAST
@given(term_start=days, day=days)
def test_month_index_finds_the_month_of_the_term_holding_a_day(term_start, day):
    k = month_index(term_start, day)
    assert month_start(term_start, k) <= day < month_start(term_start, k + 1)


@FAST
@given(day=days, k=st.integers(-40, 40))
def test_the_months_of_a_term_from_the_first_are_calendar_months(day, k):
    first = day.replace(day=1)
    assert month_start(first, k) == add_months(first, k)
    assert month_start(day, k) == add_months(day, k) or day.day > 28
