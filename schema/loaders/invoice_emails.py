from __future__ import annotations

from collections.abc import Sequence

from billing.customer_mail import issued_email_key
from models.outbox import OutboxMessage


async def load_invoice_emails(invoice_ids: Sequence[int]) -> list[OutboxMessage | None]:
    """The "invoice issued" email of each invoice (None if it had no address), in one query."""
    keys = {issued_email_key(invoice_id): invoice_id for invoice_id in invoice_ids}
    rows = {keys[row.dedup_key]: row for row in await OutboxMessage.filter(dedup_key__in=list(keys))}
    return [rows.get(invoice_id) for invoice_id in invoice_ids]
