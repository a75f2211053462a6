"""Co-termination proration of a line's charge within one billing period.

A line is charged from its service start (its activation date, or the period start if
it was activated earlier) to the period end, both inclusive. The charge is
``monthly amount x quantity x months``, where months are the months of the term
(counted from the term start's day, ``periods.month_start``): each whole month of the
term counts 1 and a partial one counts its days of service / its number of days. A
billing period served in full is thus charged exactly its number of months. The
product is exact (``Fraction``) and rounded half-up once per line to the currency's
minor unit.

Pooled capacity is not prorated: once active in a period, it is charged for the
period's months counted from the period start, whatever its activation day.

``months_of_service`` counts calendar months (usage is metered per calendar month).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from billing.rules.periods import month_index, month_start
from kit.money import Currency, from_minor_units, quantize_half_up

__all__ = ["months_of_service", "prorate", "term_months"]


def term_months(term_start: date, start: date, end: date) -> Fraction:
    """Months of the term starting ``term_start`` in ``start..end`` (inclusive), exactly.

    Each month of the term touched (``month_start(term_start, k)`` to the day before
    month ``k + 1``) contributes days covered / days of that month, so a whole month
    counts 1 and the result is additive over consecutive sub-spans. An empty span
    (``end`` before ``start``) is 0 months. ``term_months(date(2027, 2, 15),
    date(2027, 2, 15), date(2028, 2, 14)) == 12``.
    """
    total = Fraction(0)
    k = month_index(term_start, start)
    cursor = start
    while cursor <= end:
        first, following = month_start(term_start, k), month_start(term_start, k + 1)
        last = min(end, following - timedelta(days=1))
        total += Fraction((last - cursor).days + 1, (following - first).days)
        cursor = last + timedelta(days=1)
        k += 1
    return total


def months_of_service(start: date, end: date) -> Fraction:
    """Calendar months in ``start..end`` (inclusive), exactly.

    Each calendar month touched contributes days covered / days in that month, so a
    whole month counts 1 and the result is additive over consecutive sub-spans.
    An empty span (``end`` before ``start``) is 0 months. (The months of a term that
    starts on the 1st are the calendar months.)
    """
    return term_months(start.replace(day=1), start, end)


def _check_inputs(monthly_amount: Decimal, quantity: int) -> None:
    if isinstance(monthly_amount, float) or not isinstance(monthly_amount, Decimal):
        raise TypeError(f"monthly_amount must be Decimal, got {type(monthly_amount).__name__}")
    if not monthly_amount.is_finite():
        raise ValueError(f"monthly_amount must be finite, got {monthly_amount}")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise TypeError(f"quantity must be int, got {type(quantity).__name__}")
    if quantity < 0:
        raise ValueError(f"quantity must not be negative, got {quantity}")


def prorate(
    monthly_amount: Decimal,
    quantity: int,
    start: date,
    end: date,
    currency: Currency,
    pooled: bool,
    period_start: date,
    *,
    term_start: date,
) -> Decimal:
    """The charge of one line for the period ``period_start..end`` of the term that
    starts on ``term_start``.

    ``start`` is the line's activation date and ``end`` the period end (inclusive).
    Non-pooled lines are charged from ``max(start, period_start)``; pooled lines from
    ``period_start``. A line (pooled or not) activated after ``end`` costs 0 in this
    period. Months are the term's (``term_months``). The result is rounded half-up
    once, after multiplying by ``quantity``.
    """
    _check_inputs(monthly_amount, quantity)
    if end < period_start:
        raise ValueError(f"period end {end} precedes period start {period_start}")
    if start > end:
        return from_minor_units(0, currency)
    service_start = period_start if pooled else max(start, period_start)
    months = term_months(term_start, service_start, end)
    return quantize_half_up(Fraction(monthly_amount) * quantity * months, currency)
