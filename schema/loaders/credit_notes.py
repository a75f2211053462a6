"""The credit notes of invoices (at most one each: it returns the whole invoice), with
their documents' summaries (never the PDF's bytes)."""

from __future__ import annotations

from collections.abc import Sequence

from models.credit_notes import CreditNote
from models.invoice_documents import DocumentKind, InvoiceDocumentFile
from schema.loaders.invoice_documents import SUMMARY_FIELDS


async def load_credit_notes(invoice_ids: Sequence[int]) -> list[list[CreditNote]]:
    """Each invoice's credit notes, in one query. Access is checked by the caller."""
    rows: dict[int, list[CreditNote]] = {invoice_id: [] for invoice_id in invoice_ids}
    for note in await CreditNote.filter(invoice_id__in=list(invoice_ids)).order_by("id"):
        rows[note.invoice_id].append(note)
    return [rows[invoice_id] for invoice_id in invoice_ids]


async def load_credit_note_documents(invoice_ids: Sequence[int]) -> list[InvoiceDocumentFile | None]:
    """The stored credit note document of each invoice (None until rendered), in one query."""
    query = InvoiceDocumentFile.filter(invoice_id__in=list(invoice_ids), kind=DocumentKind.CREDIT_NOTE)
    rows = {row.invoice_id: row for row in await query.only(*SUMMARY_FIELDS)}
    return [rows.get(invoice_id) for invoice_id in invoice_ids]
