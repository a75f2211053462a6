from __future__ import annotations

from collections.abc import Sequence

from models.invoice_documents import DocumentKind, InvoiceDocumentFile

SUMMARY_FIELDS = ("id", "invoice_id", "sha256", "size_bytes")
"""What ``Invoice.document`` shows: never ``pdf`` (a page of invoices would read
megabytes it does not print)."""


async def load_invoice_documents(invoice_ids: Sequence[int]) -> list[InvoiceDocumentFile | None]:
    """The stored document of each invoice (None if issued before documents were
    kept), without its bytes, in one query. Access is checked by the caller."""
    query = InvoiceDocumentFile.filter(invoice_id__in=list(invoice_ids), kind=DocumentKind.INVOICE)
    rows = {row.invoice_id: row for row in await query.only(*SUMMARY_FIELDS)}
    return [rows.get(invoice_id) for invoice_id in invoice_ids]
