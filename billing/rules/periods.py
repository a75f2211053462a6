"""Billing frequencies, the months of a term and the billing periods of a term.

Months are counted from the term start's day of the month ("anchored" months): with
a term starting on day ``d``, month ``k`` of the term starts on day ``d`` of the
``k``-th calendar month after the start month if that day exists, else on the 1st of
the month after that; it ends the day before month ``k + 1`` starts. A term from
Feb 15 has the months Feb 15..Mar 14, Mar 15..Apr 14, ...; a term from Jan 31 has
Jan 31..Feb 28, Mar 1..Mar 30, Mar 31..Apr 30, May 1..May 30, ... Each start is
computed from the term start itself, so nothing drifts. For a term starting on the
1st these are exactly the calendar months.

Period ``i`` of a frequency with ``p`` months per period is the months
``[i*p, (i+1)*p)`` of the term, cut at the term end, where every line co-terminates.
All dates are inclusive.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from models.terms import BillingFrequency

__all__ = [
    "BillingFrequency",
    "Period",
    "add_months",
    "billing_periods",
    "days_in_month",
    "month_index",
    "month_start",
    "period_billing_date",
    "period_containing",
]


@dataclass(frozen=True, slots=True)
class Period:
    """A span of whole days, both ends inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period end {self.end} precedes start {self.start}")

    @property
    def days(self) -> int:
        """Number of days in the period, both ends counted."""
        return (self.end - self.start).days + 1

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def days_in_month(year: int, month: int) -> int:
    """Number of days in a calendar month (28..31)."""
    return calendar.monthrange(year, month)[1]


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the target month's end.

    ``add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)``. ``months`` may be negative.
    A calendar helper (payment terms, usage months); the months of a term, which never
    clamp, are ``month_start``.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(day.day, days_in_month(year, month)))


def month_start(term_start: date, k: int) -> date:
    """The first day of month ``k`` of a term starting on ``term_start`` (``k`` may be
    negative: the months before the term, counted the same way).

    Day ``term_start.day`` of the ``k``-th calendar month after the start month if that
    day exists, else the 1st of the month after that:
    ``month_start(date(2026, 1, 31), 1) == date(2026, 3, 1)``,
    ``month_start(date(2026, 1, 31), 2) == date(2026, 3, 31)``.
    """
    index = term_start.year * 12 + (term_start.month - 1) + k
    year, month0 = divmod(index, 12)
    month = month0 + 1
    if term_start.day <= days_in_month(year, month):
        return date(year, month, term_start.day)
    return date(year, month, days_in_month(year, month)) + timedelta(days=1)


def month_index(term_start: date, day: date) -> int:
    """The ``k`` of the month of the term (``month_start(term_start, k)``) holding ``day``;
    negative before the term start."""
    k = (day.year - term_start.year) * 12 + (day.month - term_start.month)
    # month k starts in day's calendar month (or on the 1st after it): at most one step back
    return k if month_start(term_start, k) <= day else k - 1


def _check_term(term_start: date, term_end: date) -> None:
    if term_end < term_start:
        raise ValueError(f"term end {term_end} precedes term start {term_start}")


def _period_at(index: int, term_start: date, term_end: date, months: int) -> Period:
    start = month_start(term_start, index * months)
    next_start = month_start(term_start, (index + 1) * months)
    return Period(start, min(next_start - timedelta(days=1), term_end))


def billing_periods(
    term_start: date, term_end: date, frequency: BillingFrequency
) -> list[Period]:
    """The consecutive billing periods covering ``term_start..term_end`` (inclusive):
    period ``i`` is the term's months ``[i*p, (i+1)*p)``, the last one cut at ``term_end``."""
    _check_term(term_start, term_end)
    months = frequency.months_per_period
    periods: list[Period] = []
    while not periods or periods[-1].end < term_end:
        periods.append(_period_at(len(periods), term_start, term_end, months))
    return periods


def period_containing(
    day: date, term_start: date, term_end: date, frequency: BillingFrequency
) -> Period | None:
    """The billing period of the term that contains ``day``; None if outside the term."""
    _check_term(term_start, term_end)
    if not term_start <= day <= term_end:
        return None
    months = frequency.months_per_period
    return _period_at(month_index(term_start, day) // months, term_start, term_end, months)


def period_billing_date(period: Period, frequency: BillingFrequency) -> date:
    """When a period is due to be invoiced: its start in advance, the day after it in arrears.

    An in-advance line activated later in the period is invoiced at its activation
    instead (see ``issue_timing``); this is the scheduled date only.
    """
    if frequency.in_advance:
        return period.start
    return period.end + timedelta(days=1)
