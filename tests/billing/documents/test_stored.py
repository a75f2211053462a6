"""An issued invoice's PDF is rendered from its own rows after the billing run (by the
worker, or by the first download) and stored once; reading it back returns exactly
those bytes."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from tortoise.context import TortoiseContext

from api.services import billing_policy
from api.settings import Settings
from billing import customer_mail
from billing.access.caller import Caller
from billing.documents.content import invoice_document
from billing.documents.links import DocumentLink
from billing.documents.render import render_pdf
from billing.documents.renderer import DocumentRenderer
from billing.documents.stored import invoice_download, linked_download, render_pending
from models.accounts import Account
from models.invoice_documents import DocumentKind, InvoiceDocumentFile
from models.invoices import Invoice, InvoiceLine, InvoiceTax
from tests.support.documents import ISSUE_DAY, issue_jp_invoice, jp_invoice_due
from tests.support.invoicing import run_billing

OWNER = "owner"


async def test_the_worker_stores_the_pdf_rendered_from_the_issued_rows(
    db: TortoiseContext, account: Account, settings: Settings
) -> None:
    number = await issue_jp_invoice(account, settings)
    invoice = await Invoice.get(number=number)
    (row,) = await InvoiceDocumentFile.filter(invoice_id=invoice.id)
    assert row.kind is DocumentKind.INVOICE
    assert (row.sha256, row.size_bytes) == (hashlib.sha256(row.pdf).hexdigest(), len(row.pdf))
    assert row.pdf.startswith(b"%PDF-")
    lines = await InvoiceLine.filter(invoice_id=invoice.id)
    taxes = await InvoiceTax.filter(invoice_id=invoice.id)
    again = render_pdf(invoice_document(invoice, lines, taxes, bank=billing_policy(settings).bank))
    assert again == row.pdf, "the stored document is the invoice's rows, rendered"


async def test_a_failure_later_in_the_transaction_keeps_no_document(
    db: TortoiseContext, account: Account, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*args: Any) -> None:
        raise RuntimeError("the outbox is down")

    policy = await jp_invoice_due(account, settings)
    monkeypatch.setattr(customer_mail, "invoice_issued", refuse)
    report = await run_billing(ISSUE_DAY, policy=policy)
    assert report.issued == [] and "the outbox is down" in report.failures[0].error
    assert await Invoice.all().count() == 0
    assert await InvoiceDocumentFile.all().count() == 0


async def test_reading_back_returns_the_stored_bytes_to_readers_only(
    db: TortoiseContext, account: Account, other_account: Account, settings: Settings
) -> None:
    number = await issue_jp_invoice(account, settings)
    row = await InvoiceDocumentFile.get(invoice__number=number)
    mine = Caller(subject=OWNER, scopes=frozenset({"invoices:read"}), client_id="erp", account_id=account.id)
    theirs = Caller(subject="intruder", scopes=frozenset({"billing:read"}), client_id="c", account_id=other_account.id)
    bank = billing_policy(settings).bank
    download = await invoice_download(mine, number, bank)
    assert download is not None and (download.number, download.pdf, download.sha256) == (number, row.pdf, row.sha256)
    assert await invoice_download(theirs, number, bank) is None
    assert await invoice_download(mine, "JP-2026-999999", bank) is None
    assert await linked_download(DocumentLink(row.id, row.sha256)) == download
    assert await linked_download(DocumentLink(row.id, "0" * 64)) is None, "a link names the bytes too"


async def test_the_billing_run_renders_nothing_in_its_transaction(
    db: TortoiseContext, account: Account, settings: Settings
) -> None:
    number = await issue_jp_invoice(account, settings, rendered=False)
    assert await Invoice.exists(number=number)
    assert await InvoiceDocumentFile.all().count() == 0
    assert await render_pending(None) == 1
    assert await render_pending(None) == 0, "a stored document is never rendered again"
    assert await InvoiceDocumentFile.all().count() == 1


async def test_a_download_before_the_worker_renders_it_and_the_worker_keeps_those_bytes(
    db: TortoiseContext, account: Account, settings: Settings
) -> None:
    number = await issue_jp_invoice(account, settings, rendered=False)
    mine = Caller(subject=OWNER, scopes=frozenset({"invoices:read"}), client_id="erp", account_id=account.id)
    first = await invoice_download(mine, number, billing_policy(settings).bank)
    assert first is not None and first.pdf.startswith(b"%PDF-")
    assert await render_pending(billing_policy(settings).bank) == 0
    (row,) = await InvoiceDocumentFile.all()
    assert (row.pdf, row.sha256) == (first.pdf, first.sha256)


async def test_the_worker_renders_a_backlog_in_batches(db: TortoiseContext, account: Account, settings: Settings) -> None:
    await issue_jp_invoice(account, settings, rendered=False)
    renderer = DocumentRenderer(billing_policy(settings))
    assert await renderer.drain() == 1
    assert await renderer.drain() == 0


async def test_an_invoice_that_cannot_be_rendered_does_not_hold_up_the_others(
    db: TortoiseContext, account: Account, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    number = await issue_jp_invoice(account, settings, rendered=False)
    await _broken_invoice(account, 999)
    assert await render_pending(None) == 1
    assert await render_pending(None) == 0, "the broken one is tried again, and holds up nothing"
    stored = [row.invoice.number for row in await InvoiceDocumentFile.all().select_related("invoice")]
    assert stored == [number]
    assert "JP-2026-000999 cannot be built" in caplog.text


async def _broken_invoice(account: Account, sequence: int) -> Invoice:
    """An invoice whose line is not a whole number of yen: its document cannot be built."""
    broken = await Invoice.create(
        account_id=account.id, coverage="JP", number=f"JP-2026-{sequence:06d}", year=2026, sequence=sequence,
        issue_date=ISSUE_DAY, due_date=ISSUE_DAY, currency="JPY", payment_terms="NET_30", subtotal=None,
        tax_total=None, total=None, bill_to={"company_name": "Broken K.K."}, issuer={"name": "Issuer"}, language="ja", document_pending=True,
    )
    await InvoiceLine.create(invoice=broken, position=0, order_number="ORD-1", product="P", description="d",
                             period_start=ISSUE_DAY, period_end=ISSUE_DAY, amount="10.50", tax_category="STANDARD")
    return broken


async def test_a_whole_batch_of_broken_invoices_does_not_stall_the_worker(
    db: TortoiseContext, account: Account, settings: Settings
) -> None:
    """More broken invoices than a batch, older than a good one: the worker leaves them
    aside and reaches the good one in the same drain."""
    for sequence in range(900, 925):
        await _broken_invoice(account, sequence)
    number = await issue_jp_invoice(account, settings, rendered=False)
    renderer = DocumentRenderer(billing_policy(settings))
    assert await renderer.drain() == 1
    (row,) = await InvoiceDocumentFile.all().select_related("invoice")
    assert row.invoice.number == number and len(renderer.failed) == 25
