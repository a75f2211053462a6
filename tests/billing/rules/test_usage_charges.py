"""Usage billed monthly in arrears (pure): overage at the commitment's discount,
bursting hourly at list price, due on the 1st of the next month, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rules.periods import BillingFrequency, Period
from billing.rules.recurring_charges import ChargeKind, Term
from billing.rules.usage_charges import (
    UsageLineFacts,
    burst_error,
    bursting_amount,
    commitment_list_value,
    due_usage_charges,
    monthly_burst_unit_hours,
    monthly_usage,
    overage_amount,
)
from kit.money import Currency, quantize_half_up

D = date
TERM = Term(D(2026, 1, 1), D(2026, 12, 31), BillingFrequency.MONTHLY_IN_ADVANCE, Currency.USD)
JAN = D(2026, 1, 1)


def facts(line_id: int = 1, activated: date | None = JAN, *, commitment: str = "1000.00", discount: str = "0.2",
          pooled: bool = False, subscribed: int | None = 4, price: str | None = "0.50") -> UsageLineFacts:
    return UsageLineFacts(line_id, activated, Decimal(commitment), Decimal(discount), pooled, subscribed,
                          Decimal(price) if price is not None else None)


def test_the_worked_example_overage_is_the_excess_over_list_value_at_the_discount() -> None:
    commitment = commitment_list_value(Decimal("1000.00"), Decimal("0.2"), Fraction(1))
    assert commitment == Fraction(1250)
    assert overage_amount(Decimal("1500.00"), commitment, Decimal("0.2"), Currency.USD) == Decimal("200.00")


def test_usage_within_the_commitment_costs_nothing_more() -> None:
    commitment = commitment_list_value(Decimal("1000.00"), Decimal("0.2"), Fraction(1))
    assert overage_amount(Decimal("1250.00"), commitment, Decimal("0.2"), Currency.USD) == Decimal("0.00")
    assert overage_amount(Decimal("1250.01"), commitment, Decimal("0.2"), Currency.USD) == Decimal("0.01")


def test_pay_as_you_go_pays_all_usage_at_the_discount() -> None:
    commitment = commitment_list_value(Decimal(0), Decimal("0.15"), Fraction(1))
    assert overage_amount(Decimal("333.33"), commitment, Decimal("0.15"), Currency.USD) == Decimal("283.33")
    assert overage_amount(Decimal("1001"), Fraction(0), Decimal("0.25"), Currency.JPY) == Decimal("751")


def test_overage_is_rounded_half_up_once() -> None:
    # 0.05 x (1 - 0.1) = 0.045 -> 0.05 (half-up), not 0.04
    assert overage_amount(Decimal("0.05"), Fraction(0), Decimal("0.1"), Currency.USD) == Decimal("0.05")


@pytest.mark.parametrize("rate", ["1", "-0.01", "1.5"])
def test_a_discount_outside_zero_to_one_is_refused(rate: str) -> None:
    with pytest.raises(ValueError):
        commitment_list_value(Decimal(100), Decimal(rate), Fraction(1))


def test_float_money_is_refused() -> None:
    with pytest.raises(TypeError):
        commitment_list_value(Decimal(100), 0.2, Fraction(1))  # type: ignore[arg-type]


def test_the_worked_example_bursting_is_excess_unit_hours_at_list_price() -> None:
    hours = [(1, datetime(2026, 1, 10, h, tzinfo=UTC), 6) for h in range(10)]
    unit_hours = monthly_burst_unit_hours(hours, {1: 4})
    assert unit_hours == {(1, JAN): 20}
    assert bursting_amount(20, Decimal("0.50"), Currency.USD) == Decimal("10.00")


def test_bursting_is_rounded_once_over_the_month() -> None:
    # 3 hours x 1 unit x 0.004 = 0.012 -> 0.01 ; per-hour rounding would give 0.00
    assert bursting_amount(3, Decimal("0.004"), Currency.USD) == Decimal("0.01")


@pytest.mark.parametrize(("total", "ok"), [(4, False), (5, True), (8, True), (9, False)])
def test_a_burst_is_above_the_subscribed_units_and_at_most_twice_them(total: int, ok: bool) -> None:
    assert (burst_error(total, 4) is None) is ok


def test_an_hour_is_counted_in_its_utc_month() -> None:
    tokyo = datetime(2026, 2, 1, 8, tzinfo=timezone(timedelta(hours=9)))  # 2026-01-31 23:00 UTC
    assert monthly_burst_unit_hours([(1, tokyo, 5)], {1: 4}) == {(1, JAN): 1}
    tokyo = datetime(2026, 2, 1, 9, tzinfo=timezone(timedelta(hours=9)))  # 2026-02-01 00:00 UTC
    assert monthly_burst_unit_hours([(1, tokyo, 5)], {1: 4}) == {(1, D(2026, 2, 1)): 1}
    assert monthly_burst_unit_hours([(1, datetime(2026, 1, 31, 23, tzinfo=UTC), 5)], {1: 4}) == {(1, JAN): 1}


def test_usage_is_summed_per_line_and_calendar_month() -> None:
    records = [(1, D(2026, 1, 5), Decimal("500.00")), (1, D(2026, 1, 31), Decimal("1000.00")),
               (1, D(2026, 2, 1), Decimal("1.00")), (2, D(2026, 1, 5), Decimal("7.00"))]
    assert monthly_usage(records) == {(1, JAN): Decimal("1500.00"), (1, D(2026, 2, 1)): Decimal("1.00"),
                                      (2, JAN): Decimal("7.00")}


def test_a_month_is_due_on_the_first_of_the_next_month_with_the_month_as_service_period() -> None:
    used, bursts = {(1, JAN): Decimal("1500.00")}, {(1, JAN): 20}
    assert due_usage_charges(TERM, [facts()], used, bursts, D(2026, 1, 31)) == []
    overage, bursting = due_usage_charges(TERM, [facts()], used, bursts, D(2026, 2, 1))
    assert (overage.kind, overage.amount, overage.service, overage.period_start, overage.due_on) == (
        ChargeKind.OVERAGE, Decimal("200.00"), Period(JAN, D(2026, 1, 31)), JAN, D(2026, 2, 1))
    assert (bursting.kind, bursting.amount, bursting.service) == (ChargeKind.BURSTING, Decimal("10.00"), overage.service)


def test_a_month_billed_for_a_kind_is_not_due_again_for_that_kind() -> None:
    used, bursts = {(1, JAN): Decimal("1500.00")}, {(1, JAN): 20}
    billed = {(1, ChargeKind.OVERAGE, JAN)}
    (charge,) = due_usage_charges(TERM, [facts()], used, bursts, D(2026, 3, 1), billed)
    assert charge.kind is ChargeKind.BURSTING


def test_the_commitment_is_prorated_for_a_line_activated_mid_month() -> None:
    # Active Jan 17-31: 15/31 of 1,250.00 list = 604.84 (exact 604.8387...); usage 1,000.00
    used = {(1, JAN): Decimal("1000.00")}
    (charge,) = due_usage_charges(TERM, [facts(activated=D(2026, 1, 17))], used, {}, D(2026, 2, 1))
    excess = Fraction(1000) - Fraction(1250) * Fraction(15, 31)
    assert charge.amount == quantize_half_up(excess * Fraction(4, 5), Currency.USD) == Decimal("316.13")
    assert charge.service == Period(D(2026, 1, 17), D(2026, 1, 31))


def test_pooled_capacity_commits_the_whole_month() -> None:
    used = {(1, JAN): Decimal("1000.00")}
    assert due_usage_charges(TERM, [facts(activated=D(2026, 1, 17), pooled=True)], used, {}, D(2026, 2, 1)) == []


def test_the_last_month_is_cut_at_the_term_end() -> None:
    term = Term(JAN, D(2026, 1, 15), BillingFrequency.MONTHLY_IN_ADVANCE, Currency.USD)
    (charge,) = due_usage_charges(term, [facts()], {(1, JAN): Decimal("1000.00")}, {}, D(2026, 2, 1))
    assert charge.service == Period(JAN, D(2026, 1, 15))
    assert charge.amount == quantize_half_up((1000 - Fraction(1250) * Fraction(15, 31)) * Fraction(4, 5), Currency.USD)


def test_bursting_of_a_line_without_burst_terms_is_not_billed() -> None:
    line = facts(subscribed=None, price=None)
    assert due_usage_charges(TERM, [line], {}, {(1, JAN): 20}, D(2026, 2, 1)) == []


def test_a_line_not_active_by_the_run_owes_no_usage() -> None:
    assert due_usage_charges(TERM, [facts(activated=None)], {(1, JAN): Decimal(5)}, {}, D(2026, 2, 1)) == []


MONTH_DAY = st.integers(0, 30).map(lambda n: JAN + timedelta(days=n))
CENTS = st.integers(1, 200_000).map(lambda c: Decimal(c) / 100)


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(st.tuples(MONTH_DAY, CENTS), min_size=1, max_size=20),
    commitment_cents=st.integers(0, 300_000), discount_bp=st.integers(0, 9999), order=st.randoms(),
)
def test_overage_depends_only_on_the_month_total_and_is_rounded_once(records, commitment_cents, discount_bp, order):
    commitment, discount = Decimal(commitment_cents) / 100, Decimal(discount_bp) / 10000
    line = facts(commitment=str(commitment), discount=str(discount))
    shuffled = list(records)
    order.shuffle(shuffled)
    used = monthly_usage((1, day, amount) for day, amount in shuffled)
    charges = due_usage_charges(TERM, [line], used, {}, D(2026, 2, 1))
    total = sum(amount for _, amount in records)
    exact = max(Fraction(0), Fraction(total) - Fraction(commitment) / (1 - Fraction(discount))) * (1 - Fraction(discount))
    expected = quantize_half_up(exact, Currency.USD)
    assert sum(c.amount for c in charges) == expected
    assert all(c.amount > 0 for c in charges)
    assert expected <= quantize_half_up(Fraction(total) * (1 - Fraction(discount)), Currency.USD)


@settings(max_examples=30, deadline=None)
@given(
    days=st.lists(st.integers(0, 364), min_size=1, max_size=30), activation=st.integers(0, 120),
    excess=st.lists(st.integers(1, 4), min_size=1, max_size=30),
)
def test_daily_runs_bill_each_month_and_kind_once_after_it_ends(days, activation, excess):
    line = facts(activated=JAN + timedelta(days=activation), commitment="0", discount="0.5")
    used_days = [JAN + timedelta(days=n) for n in days if n >= activation]
    used = monthly_usage((1, day, Decimal("2.00")) for day in used_days)
    hours = [(1, datetime.combine(day, datetime.min.time(), UTC), 4 + e) for day, e in zip(used_days, excess)]
    bursts = monthly_burst_unit_hours(hours, {1: 4})
    billed: set[tuple[int, ChargeKind, date]] = set()
    day = JAN
    while day <= D(2027, 1, 2):
        for charge in due_usage_charges(TERM, [line], used, bursts, day, billed):
            key = (charge.line_id, charge.kind, charge.period_start)
            assert key not in billed and charge.due_on == day
            assert charge.period_start.day == 1 and charge.due_on > charge.service.end
            billed.add(key)
        day += timedelta(days=1)
    assert {(m, ChargeKind.OVERAGE) for (_, m) in used} | {(m, ChargeKind.BURSTING) for (_, m) in bursts} == {
        (m, k) for (_, k, m) in billed
    }
