"""Issued documents kept as bytes: rendered once from the issued invoice's rows and
read back unchanged by every download.

An issued invoice never changes (only its payment state, which is not printed), so
its document is rendered from its own rows, the bill-to and issuer snapshots taken
at issue included: nothing read later, a profile edit or a new issuer name, can
reach it. Rendering costs 15-35 ms of CPU per invoice (ReportLab), so it happens
right after the invoice is committed, not in the billing run's transaction (which
would run several times slower and hold its locks meanwhile): the worker renders
what is pending (``render_pending``), and a download that comes first renders that
one invoice (``ensure_document``). Whoever stores first wins; the row is never
replaced (unique per invoice and kind, later inserts ignored), so every download
returns the first bytes. Renders run in a worker thread, one at a time per process.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from billing.access.caller import Caller
from billing.documents.content import BankAccount, InvoiceDocument, invoice_document
from billing.documents.links import DocumentLink
from billing.documents.render import render_pdf
from billing.invoicing.invoices import find_invoice
from models.invoice_documents import DocumentKind, InvoiceDocumentFile
from models.invoices import ChargeState, Invoice, InvoiceLine, InvoiceTax

__all__ = ["Download", "ensure_document", "invoice_download", "linked_download", "render_pending", "stored_document"]

_RENDERING = threading.Lock()
"""ReportLab keeps process-wide state (fonts, settings) and does not promise to be
thread-safe: one rendering at a time per process, whichever run asks."""


@dataclass(frozen=True)
class Download:
    """What a download serves: the stored bytes, their digest, and the number the
    file is named after."""

    number: str
    pdf: bytes
    sha256: str


def stored_document(invoice: Invoice, kind: DocumentKind, pdf: bytes) -> InvoiceDocumentFile:
    """The row that keeps ``pdf`` (unsaved), with its digest and size."""
    return InvoiceDocumentFile(
        invoice=invoice, kind=kind, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), size_bytes=len(pdf)
    )


async def render_pending(bank: BankAccount | None, limit: int = 20) -> int:
    """Render and store the documents of up to ``limit`` issued invoices that have
    none yet, oldest first; how many were stored. On PostgreSQL the invoices are
    claimed with ``SKIP LOCKED`` for the time of the rendering, so several workers
    share a backlog instead of rendering the same invoices."""
    async with in_transaction():
        pending = (
            Invoice.filter(id__not_in=Subquery(InvoiceDocumentFile.filter(kind=DocumentKind.INVOICE).values("invoice_id")))
            .order_by("id").limit(limit)
        )
        invoices = await pending.select_for_update(skip_locked=True)
        if not invoices:
            return 0
        await _store(invoices, bank)
    return len(invoices)


async def ensure_document(invoice: Invoice, bank: BankAccount | None) -> InvoiceDocumentFile:
    """``invoice``'s stored document, rendered now if the worker has not yet."""
    row = await InvoiceDocumentFile.get_or_none(invoice_id=invoice.id, kind=DocumentKind.INVOICE)
    if row is None:
        await _store([invoice], bank)
        row = await InvoiceDocumentFile.get(invoice_id=invoice.id, kind=DocumentKind.INVOICE)
    return row


async def _store(invoices: Sequence[Invoice], bank: BankAccount | None) -> None:
    """Render ``invoices`` from their rows and insert the documents, keeping any
    stored meanwhile by someone else (the same bytes: rendering is deterministic).
    An invoice whose card is charged shows no bank to transfer to."""
    ids = [invoice.id for invoice in invoices]
    lines_of: dict[int, list[InvoiceLine]] = defaultdict(list)
    taxes_of: dict[int, list[InvoiceTax]] = defaultdict(list)
    for line in await InvoiceLine.filter(invoice_id__in=ids).order_by("position", "id"):
        lines_of[line.invoice_id].append(line)
    for tax in await InvoiceTax.filter(invoice_id__in=ids).order_by("id"):
        taxes_of[tax.invoice_id].append(tax)
    documents = [
        invoice_document(row, lines_of[row.id], taxes_of[row.id], bank=bank if row.charge_state is ChargeState.NONE else None)
        for row in invoices
    ]
    pdfs = await anyio.to_thread.run_sync(_render_all, documents)
    rows = [stored_document(row, DocumentKind.INVOICE, pdf) for row, pdf in zip(invoices, pdfs, strict=True)]
    await InvoiceDocumentFile.bulk_create(rows, ignore_conflicts=True)


def _render_all(documents: list[InvoiceDocument]) -> list[bytes]:
    with _RENDERING:
        return [render_pdf(document) for document in documents]


async def invoice_download(
    caller: Caller, number: str, bank: BankAccount | None, account_id: uuid.UUID | None = None
) -> Download | None:
    """The PDF of invoice ``number`` if the caller may read that invoice (the rule of
    ``find_invoice``: customers their own account's, partners with ``invoices:read``
    included; staff any), rendered now if it was not yet; None when it is missing or
    not theirs (the two look alike)."""
    invoice = await find_invoice(caller, number, account_id)
    if invoice is None:
        return None
    row = await ensure_document(invoice, bank)
    return Download(invoice.number, row.pdf, row.sha256)


async def linked_download(link: DocumentLink) -> Download | None:
    """The PDF a valid signed link names (the link is the permission), or None if
    no stored document has that id and digest."""
    row = (
        await InvoiceDocumentFile.filter(id=link.document_id, sha256=link.sha256).select_related("invoice").first()
    )
    return Download(row.invoice.number, row.pdf, row.sha256) if row else None
