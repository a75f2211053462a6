"""What is due on a subscription (pure): periods, the 15-day rule, proration; a period
served in full is charged in full, whatever day the term starts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rules.card_threshold import order_total
from billing.rules.periods import BillingFrequency, billing_periods, month_start, period_billing_date
from billing.rules.proration import prorate, term_months
from billing.rules.recurring_charges import DueCharge, LineFacts, Term, due_charges
from billing.rules.tax import TaxCategory
from kit.money import Currency, quantize_half_up

TERM = Term(date(2026, 1, 1), date(2026, 12, 31), BillingFrequency.QUARTERLY_IN_ADVANCE, Currency.USD)


def fact(line_id: int, activated: date | None, *, order: int = 1, booked: date = date(2026, 1, 1),
         monthly: str = "100.00", pooled: bool = False, quantity: int = 1) -> LineFacts:
    return LineFacts(line_id, order, booked, activated, Decimal(monthly), quantity, pooled, TaxCategory.STANDARD)


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
    whole = prorate(line.monthly_amount, 1, activation, term.end, Currency.USD, False, activation, term_start=term.start)
    assert abs(total - whole) <= Decimal("0.01") * parts


# Issue 9: a period served in full is charged in full, whatever day the term starts.

def _spans(charges: list[DueCharge]) -> list[tuple[date, date, Decimal, date]]:
    return [(c.service.start, c.service.end, c.amount, c.due_on) for c in charges]


def test_an_annual_term_from_feb_15_is_charged_twelve_months_in_full() -> None:
    term = Term(date(2027, 2, 15), date(2028, 2, 14), BillingFrequency.ANNUAL_IN_ADVANCE, Currency.JPY)
    line = fact(1, date(2027, 2, 15), booked=date(2027, 2, 15), monthly="10000")
    assert _spans(due_charges(term, [line], date(2027, 2, 15))) == [
        (date(2027, 2, 15), date(2028, 2, 14), Decimal("120000"), date(2027, 2, 15)),  # was 119,828
    ]


def test_a_quarterly_in_arrears_quarter_from_feb_15_is_charged_three_months_in_full() -> None:
    term = Term(date(2027, 2, 15), date(2028, 2, 14), BillingFrequency.QUARTERLY_IN_ARREARS, Currency.JPY)
    line = fact(1, date(2027, 2, 15), booked=date(2027, 2, 15), monthly="10000")
    assert due_charges(term, [line], date(2027, 5, 14)) == []
    assert _spans(due_charges(term, [line], date(2028, 2, 15))) == [
        (date(2027, 2, 15), date(2027, 5, 14), Decimal("30000"), date(2027, 5, 15)),  # was 29,516
        (date(2027, 5, 15), date(2027, 8, 14), Decimal("30000"), date(2027, 8, 15)),
        (date(2027, 8, 15), date(2027, 11, 14), Decimal("30000"), date(2027, 11, 15)),
        (date(2027, 11, 15), date(2028, 2, 14), Decimal("30000"), date(2028, 2, 15)),
    ]


def test_a_monthly_term_from_jan_31_charges_each_month_in_full() -> None:
    term = Term(date(2026, 1, 31), date(2027, 1, 30), BillingFrequency.MONTHLY_IN_ADVANCE, Currency.JPY)
    line = fact(1, date(2026, 1, 31), booked=date(2026, 1, 31), monthly="10000")
    charges = due_charges(term, [line], date(2026, 4, 30))
    assert _spans(charges) == [
        (date(2026, 1, 31), date(2026, 2, 28), Decimal("10000"), date(2026, 1, 31)),  # was 9,965 (to Feb 27)
        (date(2026, 3, 1), date(2026, 3, 30), Decimal("10000"), date(2026, 3, 1)),  # was 10,035 (from Feb 28)
        (date(2026, 3, 31), date(2026, 4, 30), Decimal("10000"), date(2026, 3, 31)),
    ]
    assert [c.period_start for c in charges] == [date(2026, 1, 31), date(2026, 3, 1), date(2026, 3, 31)]
    assert sum(c.amount for c in due_charges(term, [line], date(2027, 2, 1))) == Decimal("120000")


def test_every_full_monthly_period_of_a_term_from_jan_15_costs_the_monthly_amount() -> None:
    term = Term(date(2026, 1, 15), date(2027, 1, 14), BillingFrequency.MONTHLY_IN_ADVANCE, Currency.USD)
    charges = due_charges(term, [fact(1, date(2026, 1, 15), booked=date(2026, 1, 15))], date(2027, 1, 15))
    assert [(c.service.start, c.service.end) for c in charges[:3]] == [
        (date(2026, 1, 15), date(2026, 2, 14)), (date(2026, 2, 15), date(2026, 3, 14)), (date(2026, 3, 15), date(2026, 4, 14)),
    ]
    assert {c.amount for c in charges} == {Decimal("100.00")}  # was 104.84, 95.16, 101.51, ...
    assert sum(c.amount for c in charges) == Decimal("1200.00")


def test_only_a_later_activation_or_a_term_end_cutting_a_month_is_prorated() -> None:
    term = Term(date(2026, 1, 31), date(2026, 6, 15), BillingFrequency.MONTHLY_IN_ADVANCE, Currency.JPY)
    line = fact(1, date(2026, 3, 15), booked=date(2026, 3, 15), monthly="10000")
    assert _spans(due_charges(term, [line], date(2026, 7, 1))) == [
        # 16 days of the month Mar 1 - Mar 30: 10,000 x 16/30 = 5,333.3
        (date(2026, 3, 15), date(2026, 3, 30), Decimal("5333"), date(2026, 3, 15)),
        (date(2026, 3, 31), date(2026, 4, 30), Decimal("10000"), date(2026, 3, 31)),
        (date(2026, 5, 1), date(2026, 5, 30), Decimal("10000"), date(2026, 5, 1)),
        # cut by the term end: 16 days of the month May 31 - Jun 30 (31 days)
        (date(2026, 5, 31), date(2026, 6, 15), Decimal("5161"), date(2026, 5, 31)),
    ]


TERM_DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def terms(draw: st.DrawFn) -> Term:
    """A term from any day of 2023-2030 of 1-36 months, some cut inside their last month."""
    start = draw(TERM_DAYS)
    months = draw(st.integers(1, 36))
    cut = draw(st.one_of(st.none(), st.integers(1, 27)))  # days served of a last, partial month
    end = (month_start(start, months) if cut is None else month_start(start, months - 1) + timedelta(days=cut)) - timedelta(days=1)
    currency = draw(st.sampled_from(list(Currency)))
    return Term(start, end, draw(st.sampled_from(list(BillingFrequency))), currency)


def _monthly(units: int, currency: Currency) -> str:
    return str(Decimal(units).scaleb(-currency.minor_digits))


def _bill_the_whole_term(term: Term, line: LineFacts) -> list[DueCharge]:
    """Run billing on every day a charge can fall due, with the ledger, then once after the term."""
    assert line.activated_on is not None
    periods = [p for p in billing_periods(term.start, term.end, term.frequency) if p.end >= line.activated_on]
    days = sorted({line.activated_on, line.booked_on + timedelta(days=15), *(period_billing_date(p, term.frequency) for p in periods)})
    billed: set[tuple[int, date]] = set()
    charges: list[DueCharge] = []
    for day in days:
        for charge in due_charges(term, [line], day, billed):
            assert charge.due_on <= day and (charge.line_id, charge.period_start) not in billed
            billed.add((charge.line_id, charge.period_start))
            charges.append(charge)
    assert due_charges(term, [line], term.end + timedelta(days=400), billed) == []
    return charges


@settings(max_examples=150, deadline=None)
@given(term=terms(), units=st.integers(0, 10_000_000), quantity=st.integers(1, 20), booked_before=st.integers(0, 30))
def test_a_line_active_from_the_term_start_is_charged_exactly_the_months_of_the_term(term, units, quantity, booked_before):
    line = fact(1, term.start, booked=term.start - timedelta(days=booked_before),
                monthly=_monthly(units, term.currency), quantity=quantity)
    charges = _bill_the_whole_term(term, line)
    months = term_months(term.start, term.start, term.end)
    price = Fraction(line.monthly_amount) * quantity
    assert sum(c.amount for c in charges) == quantize_half_up(price * months, term.currency)
    if term.end + timedelta(days=1) == month_start(term.start, int(months)):
        assert months.denominator == 1 and sum(c.amount for c in charges) == line.monthly_amount * quantity * int(months)
    full = order_total([(line.monthly_amount, quantity, False)], term.start, term.start, term.end, term.currency)
    assert sum(c.amount for c in charges) == full.amount
    for charge in charges:  # every period served in full is charged its whole months, exactly
        served = term_months(term.start, charge.service.start, charge.service.end)
        if served.denominator == 1:
            assert charge.amount == line.monthly_amount * quantity * int(served)


@settings(max_examples=150, deadline=None)
@given(term=terms(), units=st.integers(0, 10_000_000), quantity=st.integers(1, 20), data=st.data())
def test_a_later_activation_is_charged_its_prorated_months_and_never_more_than_the_order(term, units, quantity, data):
    days = (term.end - term.start).days
    activation = term.start + timedelta(days=data.draw(st.integers(min(1, days), days)))
    booked = max(term.start, activation - timedelta(days=data.draw(st.integers(0, 30))))
    line = fact(1, activation, booked=booked, monthly=_monthly(units, term.currency), quantity=quantity)
    charges = _bill_the_whole_term(term, line)
    total = sum((c.amount for c in charges), Decimal(0))
    expected = prorate(line.monthly_amount, quantity, activation, term.end, term.currency, False, activation,
                       term_start=term.start)
    assert abs(total - expected) <= term.currency.quantum * len(charges)
    full = order_total([(line.monthly_amount, quantity, False)], term.start, term.start, term.end, term.currency)
    assert total <= full.amount
    assert all(c.service.start >= activation for c in charges)  # nothing before the activation
