"""The status an invoice shows: ``PAST_DUE`` is derived when read, never stored."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from billing.payment_terms import is_past_due
from models.invoices import InvoiceStatus


class DisplayStatus(str, Enum):
    ISSUED = "ISSUED"
    PAST_DUE = "PAST_DUE"
    PAID = "PAID"
    VOID = "VOID"


def today_utc() -> date:
    return datetime.now(UTC).date()


def display_status(status: InvoiceStatus, due: date, today: date) -> DisplayStatus:
    if status is InvoiceStatus.ISSUED and is_past_due(due, today):
        return DisplayStatus.PAST_DUE
    return DisplayStatus(status.value)


def status_filter(status: DisplayStatus, today: date) -> dict[str, Any]:
    """Query filters selecting invoices that show ``status`` on ``today``."""
    if status is DisplayStatus.PAST_DUE:
        return {"status": InvoiceStatus.ISSUED, "due_date__lt": today}
    if status is DisplayStatus.ISSUED:
        return {"status": InvoiceStatus.ISSUED, "due_date__gte": today}
    return {"status": InvoiceStatus(status.value)}
