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
import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import anyio
from tortoise.transactions import in_transaction

from billing.access.caller import Caller
from billing.documents.content import BankAccount, InvoiceDocument, credit_note_document, invoice_document
from billing.documents.links import DocumentLink
from billing.documents.render import render_pdf
from billing.invoicing.invoices import find_invoice
from models.credit_notes import CreditNote
from models.invoice_documents import DocumentKind, InvoiceDocumentFile
from models.invoices import ChargeState, Invoice, InvoiceLine, InvoiceTax
from notifications.outbox import release_attachments

log = logging.getLogger("billing.documents")

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


Failed = set[tuple[DocumentKind, int]]
"""Documents (kind, invoice id) that could not be built or rendered."""


async def render_pending(bank: BankAccount | None, limit: int = 20, failed: Failed | None = None) -> int:
    """Render and store the documents of up to ``limit`` issued invoices and up to
    ``limit`` credit notes that have none yet, oldest first; how many were stored. One
    that cannot be rendered is logged, left and added to ``failed``; those in
    ``failed`` are not picked (the worker keeps the set for a while, so a few broken
    invoices never take a whole batch ahead of the others). On PostgreSQL the rows are
    claimed with ``SKIP LOCKED`` for the time of the rendering, so several workers
    share a backlog instead of rendering the same."""
    failed = set() if failed is None else failed
    return await _pending_invoices(bank, limit, failed) + await _pending_credit_notes(limit, failed)


def _skipped(failed: Failed, kind: DocumentKind) -> list[int]:
    return [invoice_id for failed_kind, invoice_id in failed if failed_kind is kind]


async def _pending_invoices(bank: BankAccount | None, limit: int, failed: Failed) -> int:
    async with in_transaction():
        pending = Invoice.filter(document_pending=True)
        if skipped := _skipped(failed, DocumentKind.INVOICE):
            pending = pending.exclude(id__in=skipped)
        invoices = await pending.order_by("id").limit(limit).select_for_update(skip_locked=True)
        return await _store(invoices, DocumentKind.INVOICE, _invoice_builder(bank), failed) if invoices else 0


async def _pending_credit_notes(limit: int, failed: Failed) -> int:
    async with in_transaction():
        pending = CreditNote.filter(document_pending=True)
        if skipped := _skipped(failed, DocumentKind.CREDIT_NOTE):
            pending = pending.exclude(invoice_id__in=skipped)
        notes = await pending.order_by("id").limit(limit).select_for_update(skip_locked=True)
        if notes:
            by_invoice = {note.invoice_id: note for note in notes}
            invoices = await Invoice.filter(id__in=list(by_invoice)).order_by("id")

            def build(invoice: Invoice, lines: list[InvoiceLine], taxes: list[InvoiceTax]) -> InvoiceDocument:
                note = by_invoice[invoice.id]
                return credit_note_document(invoice, lines, taxes, number=note.number, issue_date=note.issue_date)

            return await _store(invoices, DocumentKind.CREDIT_NOTE, build, failed)
    return 0


async def ensure_document(invoice: Invoice, bank: BankAccount | None) -> InvoiceDocumentFile:
    """``invoice``'s stored document, rendered now if the worker has not yet."""
    row = await InvoiceDocumentFile.get_or_none(invoice_id=invoice.id, kind=DocumentKind.INVOICE)
    if row is None:
        await _store([invoice], DocumentKind.INVOICE, _invoice_builder(bank), set())
        row = await InvoiceDocumentFile.get(invoice_id=invoice.id, kind=DocumentKind.INVOICE)
    return row


Builder = Callable[[Invoice, list[InvoiceLine], list[InvoiceTax]], InvoiceDocument]


def _invoice_builder(bank: BankAccount | None) -> Builder:
    """An invoice's document; one whose card is charged shows no bank to transfer to."""

    def build(invoice: Invoice, lines: list[InvoiceLine], taxes: list[InvoiceTax]) -> InvoiceDocument:
        return invoice_document(invoice, lines, taxes, bank=bank if invoice.charge_state is ChargeState.NONE else None)

    return build


async def _store(invoices: Sequence[Invoice], kind: DocumentKind, build: Builder, failed: Failed) -> int:
    """Render the ``kind`` document of each of ``invoices`` from its rows and insert
    them, keeping any stored meanwhile by someone else (the same bytes: rendering is
    deterministic); how many were rendered (one that fails is logged, left and added
    to ``failed``)."""
    ids = [invoice.id for invoice in invoices]
    lines_of: dict[int, list[InvoiceLine]] = defaultdict(list)
    taxes_of: dict[int, list[InvoiceTax]] = defaultdict(list)
    for line in await InvoiceLine.filter(invoice_id__in=ids).order_by("position", "id"):
        lines_of[line.invoice_id].append(line)
    for tax in await InvoiceTax.filter(invoice_id__in=ids).order_by("id"):
        taxes_of[tax.invoice_id].append(tax)
    documents: list[InvoiceDocument | None] = []
    for row in invoices:
        try:
            documents.append(build(row, lines_of[row.id], taxes_of[row.id]))
        except Exception:  # one invoice's data must not hold up every other document
            log.exception("the %s document of invoice %s cannot be built; the others go on", kind.value, row.number)
            documents.append(None)
    pdfs = await anyio.to_thread.run_sync(_render_all, documents)
    failed.update((kind, row.id) for row, pdf in zip(invoices, pdfs, strict=True) if pdf is None)
    rows = [stored_document(row, kind, pdf) for row, pdf in zip(invoices, pdfs, strict=True) if pdf is not None]
    await InvoiceDocumentFile.bulk_create(rows, ignore_conflicts=True)
    stored = [row.id for row, pdf in zip(invoices, pdfs, strict=True) if pdf is not None]
    if stored:
        done = CreditNote.filter(invoice_id__in=stored) if kind is DocumentKind.CREDIT_NOTE else Invoice.filter(id__in=stored)
        await done.update(document_pending=False)
        await release_attachments(stored, kind.value)  # their emails, waiting for them
    return len(rows)


def _render_all(documents: list[InvoiceDocument | None]) -> list[bytes | None]:
    """The PDF of each document; None for one that cannot be rendered (logged), so that
    it does not hold up the others (it is tried again at the next tick)."""
    pdfs: list[bytes | None] = []
    with _RENDERING:
        for document in documents:
            try:
                pdfs.append(None if document is None else render_pdf(document))
            except Exception:  # noqa: BLE001 - logged; the others are stored
                log.exception("document %s cannot be rendered; the others go on", document and document.number)
                pdfs.append(None)
    return pdfs


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
