"""The 15-day rule: when an order's lines are first invoiced.

An order's first invoice is issued when all its lines are active, or 15 days after
booking, whichever is earlier; lines active by then are on it. A line activated later
is invoiced on its own activation date.

Decisions where the rule is silent:

* If no line is active by booking + 15 days there is nothing to invoice then, so the
  first invoice waits for the first activation after that day (the earliest day on
  which at least one line is active and either all lines are active or the 15 days
  have passed).
* ``None`` means "not active yet": such a line is not invoiced and keeps the order from
  being "all active". If no line is active, there is no first invoice (``None``).
* An activation dated before the booking counts as active on the booking date: an
  order is never invoiced before it is booked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

__all__ = ["FIRST_INVOICE_WAIT", "first_invoice_date", "issue_dates_for_lines"]

FIRST_INVOICE_WAIT = timedelta(days=15)
"""Days after booking at which the first invoice goes out even if lines are pending."""


def _effective(booked_on: date, activations: Sequence[date | None]) -> list[date | None]:
    return [None if day is None else max(day, booked_on) for day in activations]


def first_invoice_date(
    booked_on: date, activations: Sequence[date | None]
) -> date | None:
    """The issue date of the order's first invoice, or None while no line is active."""
    effective = _effective(booked_on, activations)
    active = [day for day in effective if day is not None]
    if not active:
        return None
    cutoff = booked_on + FIRST_INVOICE_WAIT
    if len(active) == len(effective) and max(active) <= cutoff:
        return max(active)
    if min(active) <= cutoff:
        return cutoff
    return min(active)


def issue_dates_for_lines(
    booked_on: date, activations: Sequence[date | None]
) -> dict[int, date]:
    """For each active line (by index), the date it is first invoiced.

    Lines active by the first invoice date are on the first invoice; each later line
    is invoiced on its own activation. Lines not active yet are absent.
    """
    first = first_invoice_date(booked_on, activations)
    if first is None:
        return {}
    effective = _effective(booked_on, activations)
    return {
        index: max(day, first)
        for index, day in enumerate(effective)
        if day is not None
    }
