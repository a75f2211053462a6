"""Payment terms: when an invoice is due, and when it is past due."""

from __future__ import annotations

from datetime import date, timedelta

from billing.rules.periods import add_months, days_in_month
from models.terms import PaymentTerms

__all__ = ["PaymentTerms", "due_date", "is_past_due"]


def due_date(invoice_date: date, terms: PaymentTerms) -> date:
    """The due date of an invoice issued on ``invoice_date`` under ``terms``.

    >>> due_date(date(2026, 1, 31), PaymentTerms.EOM_FOLLOWING)
    datetime.date(2026, 2, 28)
    >>> due_date(date(2026, 1, 31), PaymentTerms.NET_30)
    datetime.date(2026, 3, 2)
    """
    if terms is PaymentTerms.NET_30:
        return invoice_date + timedelta(days=30)
    if terms is PaymentTerms.EOM_FOLLOWING:
        following = add_months(invoice_date.replace(day=1), 1)
        return following.replace(day=days_in_month(following.year, following.month))
    raise ValueError(f"unknown payment terms: {terms!r}")


def is_past_due(due: date, today: date) -> bool:
    """True once the due date has passed: an invoice is still on time on its due date."""
    return today > due
