"""Recording invoice events: the change feed partners sync from (``invoiceEvents``)
and the source of webhook deliveries.

``record`` is called inside the transaction that makes the change, so an event
exists exactly when its change committed (the outbox pattern). Each account's
events are numbered 1, 2, 3… without gaps: numbers are taken by one statement
that locks the account's counter row until the transaction ends, so two
transactions of one account commit their numbers in order, and a reader paging by
number never passes one that is still to commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from models.credit_notes import CreditNote
from models.events import AccountEventCounter, InvoiceEvent, InvoiceEventType
from models.invoices import Invoice


@dataclass(frozen=True)
class Change:
    """One event to record: what happened to which invoice (and its credit note)."""

    invoice: Invoice
    type: InvoiceEventType
    credit_note: CreditNote | None = None


def event_data(change: Change) -> dict[str, Any]:
    """What the invoice looked like after the change: the body of the webhook."""
    invoice = change.invoice
    data: dict[str, Any] = {
        "accountId": str(invoice.account_id),
        "number": invoice.number,
        "coverage": invoice.coverage.value,
        "status": "PAST_DUE" if change.type is InvoiceEventType.INVOICE_PAST_DUE else invoice.status.value,
        "issueDate": invoice.issue_date.isoformat(),
        "dueDate": invoice.due_date.isoformat(),
        "currency": invoice.currency,
        "total": None if invoice.total is None else str(invoice.total),
        "poNumber": invoice.po_number,
        "paidOn": invoice.paid_on.isoformat() if invoice.paid_on else None,
    }
    if change.credit_note is not None:
        data["creditNoteNumber"] = change.credit_note.number
    return data


async def record(changes: Sequence[Change], at: datetime | None = None) -> list[InvoiceEvent]:
    """Record ``changes`` (in the caller's transaction) as the next events of their
    accounts, in the order given, and mark their invoices changed at ``at``."""
    if not changes:
        return []
    at = at or datetime.now(UTC)
    counts: dict[uuid.UUID, int] = {}
    for change in changes:
        counts[change.invoice.account_id] = counts.get(change.invoice.account_id, 0) + 1
    last = await _take_numbers(counts)
    next_number = {account: last[account] - count + 1 for account, count in counts.items()}
    events = []
    for change in changes:
        account = change.invoice.account_id
        events.append(InvoiceEvent(
            account_id=account, sequence=next_number[account], type=change.type, invoice_id=change.invoice.id,
            credit_note_id=change.credit_note.id if change.credit_note else None, occurred_at=at,
            data=event_data(change),
        ))
        next_number[account] += 1
    await InvoiceEvent.bulk_create(events)
    changed = [change.invoice.id for change in changes if change.invoice.updated_at != at]
    if changed:
        await Invoice.filter(id__in=changed).update(updated_at=at)
        for change in changes:
            change.invoice.updated_at = at
    return events


async def _take_numbers(counts: dict[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    """Add ``counts`` to the accounts' counters in one statement (creating missing
    ones), in a fixed order of accounts so that two transactions never wait for
    each other crosswise; the new last number of each account."""
    db = AccountEventCounter._meta.db
    postgres = db.capabilities.dialect == "postgres"
    rows, values = [], []
    for index, account in enumerate(sorted(counts, key=str)):
        rows.append(f"(${2 * index + 1}, ${2 * index + 2})" if postgres else "(?, ?)")
        values += [account if postgres else str(account), counts[account]]
    sql = (
        f"INSERT INTO account_event_counters (account_id, last_sequence) VALUES {', '.join(rows)} "
        "ON CONFLICT (account_id) DO UPDATE SET last_sequence = account_event_counters.last_sequence + "
        "excluded.last_sequence RETURNING account_id, last_sequence"
    )
    result = await db.execute_query_dict(sql, values)  # execute_query drops an INSERT's rows on asyncpg
    # asyncpg answers its own UUID type, which does not hash like ``uuid.UUID``
    return {uuid.UUID(str(row["account_id"])): int(row["last_sequence"]) for row in result}
