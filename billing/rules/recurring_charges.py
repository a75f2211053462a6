"""What is due on a subscription on a given day: pure, from plain facts.

For every active line and every billing period of the term that the line serves:

* the line's first invoice date follows the 15-day rule of its order
  (``issue_timing.issue_dates_for_lines``);
* in advance, a period is due at its start, or at the line's first invoice date
  if that is later (a line activated mid-period is invoiced on activation);
* in arrears, a period is due the day after it ends (or at the first invoice
  date, if later);
* the amount is monthly amount x quantity x the months of the term served
  (``proration.prorate``): a period served in full costs exactly its months
  (12 for an annual period, whatever day the term starts); only a later
  activation (pooled capacity: charged from the period start) or the term end
  cutting a month prorates, by the days of that month of the term; a charge of
  0 (a pay-as-you-go line, monthly amount 0) is not due at all.

A (line, period start) pair already billed is never due again. Usage (overage,
bursting) is due monthly in arrears: see ``billing.rules.usage_charges``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from billing.rules.issue_timing import issue_dates_for_lines
from billing.rules.periods import BillingFrequency, Period, billing_periods
from billing.rules.proration import prorate
from billing.rules.tax import TaxCategory
from kit.money import Currency
from models.terms import ChargeKind

__all__ = ["ChargeKind", "DueCharge", "LineFacts", "Term", "due_charges"]


@dataclass(frozen=True, slots=True)
class Term:
    start: date
    end: date
    frequency: BillingFrequency
    currency: Currency


@dataclass(frozen=True, slots=True)
class LineFacts:
    """One order line as billing sees it; ``activated_on`` None = not provisioned."""

    line_id: int
    order_id: int
    booked_on: date
    activated_on: date | None
    monthly_amount: Decimal
    quantity: int
    pooled: bool
    tax_category: TaxCategory


@dataclass(frozen=True, slots=True)
class DueCharge:
    """A line's charge for one billing period (``kind`` and ``period_start`` key
    the ledger); ``service`` is the part of the period actually served and invoiced."""

    line_id: int
    period_start: date
    service: Period
    amount: Decimal
    due_on: date
    kind: ChargeKind = ChargeKind.RECURRING


def _known_activation(line: LineFacts, as_of: date) -> date | None:
    """An activation dated after ``as_of`` is not known on that day."""
    if line.activated_on is None or line.activated_on > as_of:
        return None
    return line.activated_on


def _first_invoice_dates(lines: Sequence[LineFacts], as_of: date) -> dict[int, date]:
    """Per line id, the date it is first invoiced (15-day rule, per order)."""
    by_order: dict[int, list[LineFacts]] = defaultdict(list)
    for line in lines:
        by_order[line.order_id].append(line)
    firsts: dict[int, date] = {}
    for order_lines in by_order.values():
        dates = issue_dates_for_lines(order_lines[0].booked_on, [_known_activation(l, as_of) for l in order_lines])
        for index, day in dates.items():
            firsts[order_lines[index].line_id] = day
    return firsts


def _period_due_on(period: Period, term: Term, first: date) -> date:
    scheduled = period.start if term.frequency.in_advance else period.end + timedelta(days=1)
    return max(scheduled, first)


def due_charges(
    term: Term,
    lines: Sequence[LineFacts],
    as_of: date,
    billed: Collection[tuple[int, date]] = (),
) -> list[DueCharge]:
    """The recurring charges due on or before ``as_of`` and not yet billed (``billed``
    holds the (line, period start) keys of the RECURRING ledger), by line then period."""
    firsts = _first_invoice_dates(lines, as_of)
    periods = billing_periods(term.start, term.end, term.frequency)
    due: list[DueCharge] = []
    for line in lines:
        first = firsts.get(line.line_id)
        if first is None or line.activated_on is None:
            continue
        service_start = max(line.activated_on, term.start)
        for period in periods:
            if period.end < service_start or (line.line_id, period.start) in billed:
                continue
            due_on = _period_due_on(period, term, first)
            if due_on > as_of:
                break
            amount = prorate(
                line.monthly_amount, line.quantity, service_start, period.end,
                term.currency, line.pooled, period.start, term_start=term.start,
            )
            if amount == 0:  # a pay-as-you-go line has no recurring price: no empty invoice line
                continue
            served_from = period.start if line.pooled else max(service_start, period.start)
            due.append(DueCharge(line.line_id, period.start, Period(served_from, period.end), amount, due_on))
    return due
