from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from models.invoices import InvoiceLine


async def load_invoice_lines(invoice_ids: Sequence[int]) -> list[list[InvoiceLine]]:
    """The lines of each invoice, in order, in one query. Access is checked by the caller."""
    grouped: dict[int, list[InvoiceLine]] = defaultdict(list)
    for row in await InvoiceLine.filter(invoice_id__in=list(invoice_ids)).order_by("invoice_id", "position"):
        grouped[row.invoice_id].append(row)
    return [grouped.get(invoice_id, []) for invoice_id in invoice_ids]
