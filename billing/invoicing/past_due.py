"""Recording that invoices have become past due.

``PAST_DUE`` is derived when an invoice is read (issued, and its due date has
passed: ``billing.rules.invoice_status``), so nothing changes in the row on the
day it happens. Partners syncing from the change feed still need to hear of it:
the daily billing run records one ``INVOICE_PAST_DUE`` event per invoice, the
first time it finds it past due (``Invoice.past_due_recorded``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from tortoise.transactions import in_transaction

from billing import events
from models.events import InvoiceEventType
from models.invoices import Invoice
from models.terms import InvoiceStatus

BATCH = 500
"""Invoices recorded per transaction."""


async def record_past_due(today: date, batch: int = BATCH) -> list[str]:
    """Record the INVOICE_PAST_DUE event of every issued invoice past its due date on
    ``today`` that has none yet; the numbers recorded. Safe to run again and at once
    in several processes (the rows are locked, ``SKIP LOCKED`` on PostgreSQL)."""
    recorded: list[str] = []
    while True:
        async with in_transaction():
            query = Invoice.filter(status=InvoiceStatus.ISSUED, due_date__lt=today, past_due_recorded=False)
            rows = await query.order_by("id").limit(batch).select_for_update(skip_locked=True)
            if not rows:
                return recorded
            now = datetime.now(UTC)
            # one statement marks them recorded and changed; the events then find them up to date
            await Invoice.filter(id__in=[row.id for row in rows]).update(past_due_recorded=True, updated_at=now)
            for row in rows:
                row.updated_at = now
            await events.record([events.Change(row, InvoiceEventType.INVOICE_PAST_DUE) for row in rows], now)
        recorded += [row.number for row in rows]
        if len(rows) < batch:
            return recorded
