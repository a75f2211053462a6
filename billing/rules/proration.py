"""Co-termination proration of a line's charge within one billing period.

A line is charged from its service start (its activation date, or the period start if
it was activated earlier) to the period end, both inclusive. The charge is
``monthly amount x quantity x months``, where each whole calendar month counts 1 and
a partial calendar month counts its days of service / its number of days. The product
is exact (``Fraction``) and rounded half-up once per line to the currency's minor unit.

Pooled capacity is not prorated: once active in a period, it is charged for the
period's months counted from the period start, whatever its activation day.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from billing.rules.periods import days_in_month
from kit.money import Currency, from_minor_units, quantize_half_up

__all__ = ["months_of_service", "prorate"]


def _month_end(day: date) -> date:
    return day.replace(day=days_in_month(day.year, day.month))


def months_of_service(start: date, end: date) -> Fraction:
    """Calendar months in ``start..end`` (inclusive), exactly.

    Each calendar month touched contributes days covered / days in that month, so a
    whole month counts 1 and the result is additive over consecutive sub-spans.
    An empty span (``end`` before ``start``) is 0 months.
    """
    total = Fraction(0)
    cursor = start
    while cursor <= end:
        month_end = _month_end(cursor)
        last = min(end, month_end)
        covered = (last - cursor).days + 1
        total += Fraction(covered, month_end.day)
        cursor = last + timedelta(days=1)
    return total


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
) -> Decimal:
    """The charge of one line for the period ``period_start..end``.

    ``start`` is the line's activation date and ``end`` the period end (inclusive).
    Non-pooled lines are charged from ``max(start, period_start)``; pooled lines from
    ``period_start``. A line (pooled or not) activated after ``end`` costs 0 in this
    period. The result is rounded half-up once, after multiplying by ``quantity``.
    """
    _check_inputs(monthly_amount, quantity)
    if end < period_start:
        raise ValueError(f"period end {end} precedes period start {period_start}")
    if start > end:
        return from_minor_units(0, currency)
    service_start = period_start if pooled else max(start, period_start)
    months = months_of_service(service_start, end)
    return quantize_half_up(Fraction(monthly_amount) * quantity * months, currency)
