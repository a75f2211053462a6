"""Billing frequencies and the billing periods of a subscription term.

Periods are aligned to the term start: period ``k`` starts ``k x months_per_period``
months after the term start (computed from the term start each time, so a term that
starts on the 31st does not drift to the 28th after February). The last period is
cut at the term end, where every line co-terminates. All dates are inclusive.
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
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(day.day, days_in_month(year, month)))


def _check_term(term_start: date, term_end: date) -> None:
    if term_end < term_start:
        raise ValueError(f"term end {term_end} precedes term start {term_start}")


def _period_at(index: int, term_start: date, term_end: date, months: int) -> Period:
    start = add_months(term_start, index * months)
    next_start = add_months(term_start, (index + 1) * months)
    return Period(start, min(next_start - timedelta(days=1), term_end))


def billing_periods(
    term_start: date, term_end: date, frequency: BillingFrequency
) -> list[Period]:
    """The consecutive billing periods covering ``term_start..term_end`` (inclusive)."""
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
    elapsed = (day.year - term_start.year) * 12 + (day.month - term_start.month)
    index = elapsed // months
    if add_months(term_start, index * months) > day:
        index -= 1
    return _period_at(index, term_start, term_end, months)


def period_billing_date(period: Period, frequency: BillingFrequency) -> date:
    """When a period is due to be invoiced: its start in advance, the day after it in arrears.

    An in-advance line activated later in the period is invoiced at its activation
    instead (see ``issue_timing``); this is the scheduled date only.
    """
    if frequency.in_advance:
        return period.start
    return period.end + timedelta(days=1)
