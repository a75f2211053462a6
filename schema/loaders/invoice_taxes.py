from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from models.invoices import InvoiceTax


async def load_invoice_taxes(invoice_ids: Sequence[int]) -> list[list[InvoiceTax]]:
    """The per-rate taxes of each invoice, in one query. Access is checked by the caller."""
    grouped: dict[int, list[InvoiceTax]] = defaultdict(list)
    for row in await InvoiceTax.filter(invoice_id__in=list(invoice_ids)).order_by("invoice_id", "id"):
        grouped[row.invoice_id].append(row)
    return [grouped.get(invoice_id, []) for invoice_id in invoice_ids]
