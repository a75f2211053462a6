"""What is due on a subscription (pure): periods, the 15-day rule, proration."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rules.periods import BillingFrequency
from billing.rules.proration import prorate
from billing.rules.recurring_charges import LineFacts, Term, due_charges
from billing.rules.tax import TaxCategory
from kit.money import Currency

TERM = Term(date(2026, 1, 1), date(2026, 12, 31), BillingFrequency.QUARTERLY_IN_ADVANCE, Currency.USD)


def fact(line_id: int, activated: date | None, *, order: int = 1, booked: date = date(2026, 1, 1),
         monthly: str = "100.00", pooled: bool = False) -> LineFacts:
    return LineFacts(line_id, order, booked, activated, Decimal(monthly), 1, pooled, TaxCategory.STANDARD)


def test_in_advance_a_line_is_billed_for_its_current_period_on_activation_then_at_each_period_start() -> None:
    lines = [fact(1, date(2026, 2, 10), booked=date(2026, 2, 1))]
    first = due_charges(TERM, lines, date(2026, 2, 10))
    assert [(c.service.start, c.service.end, c.amount) for c in first] == [(date(2026, 2, 10), date(2026, 3, 31), Decimal("167.86"))]
    billed = {(c.line_id, c.period_start) for c in first}
    assert due_charges(TERM, lines, date(2026, 3, 31), billed) == []
    (april,) = due_charges(TERM, lines, date(2026, 4, 1), billed)
    assert (april.period_start, april.amount) == (date(2026, 4, 1), Decimal("300.00"))


def test_an_activation_not_yet_known_on_the_day_is_not_billed() -> None:
    assert due_charges(TERM, [fact(1, date(2026, 1, 10))], date(2026, 1, 9)) == []


def test_a_line_activated_after_the_term_end_costs_nothing() -> None:
    assert due_charges(TERM, [fact(1, date(2027, 1, 5))], date(2027, 2, 1)) == []


def test_a_catch_up_run_bills_every_period_missed() -> None:
    charges = due_charges(TERM, [fact(1, date(2026, 1, 1))], date(2026, 7, 1))
    assert [c.period_start for c in charges] == [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)]


DAY = st.integers(0, 364).map(lambda n: date(2026, 1, 1) + timedelta(days=n))


@settings(max_examples=40, deadline=None)
@given(
    activation=DAY, booked_offset=st.integers(0, 30), frequency=st.sampled_from(list(BillingFrequency)),
    cents=st.integers(1, 1_000_000), pooled=st.booleans(),
)
def test_daily_runs_bill_each_period_once_and_sum_to_the_whole_span(activation, booked_offset, frequency, cents, pooled):
    term = Term(date(2026, 1, 1), date(2026, 12, 31), frequency, Currency.USD)
    booked = max(date(2026, 1, 1), activation - timedelta(days=booked_offset))
    line = fact(1, activation, booked=booked, monthly=str(Decimal(cents) / 100), pooled=pooled)
    billed: set[tuple[int, date]] = set()
    total, parts, day = Decimal(0), 0, date(2026, 1, 1)
    while day <= date(2027, 1, 1):
        for charge in due_charges(term, [line], day, billed):
            assert (charge.line_id, charge.period_start) not in billed
            assert charge.due_on <= day and charge.due_on >= activation
            billed.add((charge.line_id, charge.period_start))
            total += charge.amount
            parts += 1
        day += timedelta(days=7) if day < activation else timedelta(days=1)
    if pooled:
        return  # pooled capacity pays whole periods: not a proration of the span
    whole = prorate(line.monthly_amount, 1, activation, term.end, Currency.USD, False, activation)
    assert abs(total - whole) <= Decimal("0.01") * parts
