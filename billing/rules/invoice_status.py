"""The status an invoice shows: ``PAST_DUE`` is derived when read, never stored."""

from __future__ import annotations

from datetime import date
from enum import Enum

from billing.rules.payment_terms import is_past_due
from models.terms import InvoiceStatus


class DisplayStatus(str, Enum):
    """The status an invoice shows on a given day."""

    ISSUED = "ISSUED"
    PAST_DUE = "PAST_DUE"
    PAID = "PAID"
    VOID = "VOID"


def display_status(status: InvoiceStatus, due: date, today: date) -> DisplayStatus:
    if status is InvoiceStatus.ISSUED and is_past_due(due, today):
        return DisplayStatus.PAST_DUE
    return DisplayStatus(status.value)

