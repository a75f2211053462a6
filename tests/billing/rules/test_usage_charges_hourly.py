"""Hourly usage priced at the list price in force at each hour (pure): the price
list, the latest report of an hour, post-term use and bursting at hourly prices,
rounded once per line per month, due on the 1st of the next month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rules.periods import BillingFrequency, Period
from billing.rules.recurring_charges import ChargeKind, Term
from billing.rules.usage_charges import (
    UsageLineFacts,
    due_usage_charges,
    latest_reports,
    monthly_burst_value,
    monthly_post_term_value,
    post_term_units_error,
    price_in_force,
)
from kit.money import Currency, quantize_half_up

D = date
TERM = Term(D(2026, 1, 1), D(2026, 1, 31), BillingFrequency.MONTHLY_IN_ADVANCE, Currency.USD)
FEB = D(2026, 2, 1)


def _at(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _line(line_id: int = 1, activated: date = D(2026, 1, 1), subscribed: int | None = None,
          price: str | None = None) -> UsageLineFacts:
    return UsageLineFacts(line_id, activated, Decimal(0), Decimal(0), False, subscribed,
                          Decimal(price) if price else None)


SCHEDULE = [(_at(1, 1, 0), Decimal("0.125")), (_at(2, 10, 0), Decimal("0.135"))]


def test_the_price_in_force_is_the_latest_entry_effective_at_or_before_the_hour() -> None:
    assert price_in_force(SCHEDULE, _at(1, 1, 0) - timedelta(hours=1)) is None
    assert price_in_force(SCHEDULE, _at(1, 1, 0)) == Decimal("0.125")
    assert price_in_force(SCHEDULE, _at(2, 9, 23)) == Decimal("0.125")
    assert price_in_force(SCHEDULE, _at(2, 10, 0)) == Decimal("0.135")
    tokyo = datetime(2026, 2, 10, 9, tzinfo=timezone(timedelta(hours=9)))  # 2026-02-10 00:00 UTC
    assert price_in_force(SCHEDULE, tokyo) == Decimal("0.135")
    assert price_in_force([], _at(2, 10, 0)) is None


def test_the_latest_report_of_an_hour_counts() -> None:
    tokyo = datetime(2026, 2, 1, 9, tzinfo=timezone(timedelta(hours=9)))  # the same hour as _at(2, 1, 0)
    reports = [(1, _at(2, 1, 0), 6), (2, _at(2, 1, 0), 3), (1, _at(2, 1, 1), 4), (1, tokyo, 5)]
    assert sorted(latest_reports(reports)) == sorted([(1, tokyo, 5), (2, _at(2, 1, 0), 3), (1, _at(2, 1, 1), 4)])


def test_post_term_use_is_priced_hour_by_hour_and_rounded_once_for_the_month() -> None:
    hours = [(1, _at(2, 9, 23), 3, Decimal("0.125")), (1, _at(2, 10, 0), 3, Decimal("0.135")),
             (1, _at(2, 10, 1), 1, Decimal("0.135"))]
    value = monthly_post_term_value(hours)
    assert value == {(1, FEB): Fraction("0.915")}
    (charge,) = due_usage_charges(TERM, [_line()], {}, {}, D(2026, 3, 1), post_term=value)
    # 0.375 + 0.405 + 0.135 = 0.915 -> 0.92 (half-up once; per hour it would be 0.38 + 0.41 + 0.14 = 0.93)
    assert (charge.kind, charge.amount, charge.period_start, charge.service, charge.due_on) == (
        ChargeKind.POST_TERM, Decimal("0.92"), FEB, Period(FEB, D(2026, 2, 28)), D(2026, 3, 1))


def test_post_term_use_is_due_on_the_first_of_the_next_month_and_billed_once() -> None:
    value = {(1, FEB): Fraction(3)}
    assert due_usage_charges(TERM, [_line()], {}, {}, D(2026, 2, 28), post_term=value) == []
    (charge,) = due_usage_charges(TERM, [_line()], {}, {}, D(2026, 3, 1), post_term=value)
    billed = {(1, ChargeKind.POST_TERM, FEB)}
    assert due_usage_charges(TERM, [_line()], {}, {}, D(2026, 3, 2), billed, value) == []
    assert charge.amount == Decimal("3.00")


def test_the_month_of_the_term_end_is_served_from_the_day_after_it() -> None:
    term = Term(D(2026, 1, 1), D(2026, 1, 15), BillingFrequency.MONTHLY_IN_ADVANCE, Currency.USD)
    (charge,) = due_usage_charges(term, [_line()], {}, {}, FEB, post_term={(1, D(2026, 1, 1)): Fraction(1, 2)})
    assert (charge.service, charge.amount) == (Period(D(2026, 1, 16), D(2026, 1, 31)), Decimal("0.50"))


def test_bursting_priced_hour_by_hour_counts_only_the_units_above_the_subscribed_ones() -> None:
    hours = [(1, _at(1, 10, 11), 6, Decimal("0.50")), (1, _at(1, 10, 12), 6, Decimal("0.40")),
             (2, _at(1, 10, 12), 9, Decimal("1"))]  # line 2 does not burst: skipped
    value = monthly_burst_value(hours, {1: 4})
    assert value == {(1, D(2026, 1, 1)): Fraction("1.80")}
    year = Term(D(2026, 1, 1), D(2026, 12, 31), BillingFrequency.MONTHLY_IN_ADVANCE, Currency.USD)
    (charge,) = due_usage_charges(year, [_line(subscribed=4, price="0.50")], {}, value, FEB)
    assert (charge.kind, charge.amount) == (ChargeKind.BURSTING, Decimal("1.80"))


def test_post_term_units_are_0_to_a_million() -> None:
    assert [post_term_units_error(n) is None for n in (-1, 0, 1, 1_000_000, 1_000_001)] == [
        False, True, True, True, False]


@settings(max_examples=60, deadline=None)
@given(
    hours=st.lists(st.tuples(st.integers(0, 27 * 24 - 1), st.integers(0, 50)), min_size=1, max_size=40),
    prices=st.lists(st.tuples(st.integers(0, 27 * 24 - 1), st.integers(1, 10**6)), min_size=1, max_size=5),
    order=st.randoms(),
)
def test_post_term_amount_is_the_exact_hourly_sum_rounded_once(hours, prices, order) -> None:
    schedule = sorted({_at(2, 1, 0) + timedelta(hours=h): Decimal(p) / 10**6 for h, p in prices}.items())
    schedule.insert(0, (_at(1, 1, 0), Decimal("0.5")))
    latest = {h: units for h, units in hours}  # the last report of each hour counts
    reports = [(1, _at(2, 1, 0) + timedelta(hours=h), units) for h, units in hours]
    priced = [(line, hour, units, price_in_force(schedule, hour)) for line, hour, units in latest_reports(reports)]
    order.shuffle(priced)
    value = monthly_post_term_value(priced)
    charges = due_usage_charges(TERM, [_line()], {}, {}, D(2026, 3, 1), post_term=value)
    exact = sum(
        (Fraction(price_in_force(schedule, _at(2, 1, 0) + timedelta(hours=h))) * units for h, units in latest.items()),
        Fraction(0),
    )
    expected = quantize_half_up(exact, Currency.USD)
    assert sum((c.amount for c in charges), Decimal(0)) == expected
    assert all(c.kind is ChargeKind.POST_TERM and c.amount > 0 for c in charges)
