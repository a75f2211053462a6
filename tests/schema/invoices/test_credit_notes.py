"""Voiding an issued invoice issues its credit note: a number of its own, gapless per
coverage and year, a qualified credit note (適格返還請求書) as PDF, emailed once with it
attached, listed on the invoice, all or nothing with the void."""

from __future__ import annotations

from typing import Any

import httpx

from api.services import billing_policy
from billing.documents.stored import render_pending
from models.credit_notes import CreditNote, CreditNoteCounter
from models.invoice_documents import DocumentKind, InvoiceDocumentFile
from models.invoices import Invoice
from models.outbox import OutboxMessage
from notifications.smtp import SmtpServer
from notifications.worker import Worker, WorkerConfig
from schema.ids import global_id
from tests.support.documents import ISSUE_DAY, issue_jp_invoice, pdf_text

VOID = """mutation V($id: ID!, $reason: String!) {
  voidInvoice(input: {invoiceId: $id, reason: $reason}) { invoice { status } errors { code } }
}"""
CREDIT_NOTES = """query C($number: String!) {
  invoice(number: $number) { number creditNotes { number issueDate reason total { amount currency }
    document { url sha256 sizeBytes } } }
}"""


async def _void(gql: Any, staff: str, number: str, reason: str = "Issued in error.") -> dict[str, Any]:
    invoice = await Invoice.get(number=number)
    answer = await gql(VOID, staff, {"id": global_id("Invoice", invoice.id), "reason": reason})
    return answer["data"]["voidInvoice"]  # type: ignore[no-any-return]


async def test_voiding_issues_a_credit_note_with_its_document_and_one_email(
    gql: Any, client: httpx.AsyncClient, token_for: Any, account: Any, settings: Any, smtp_sink: Any
) -> None:
    number = await issue_jp_invoice(account, settings)
    staff, owner = await token_for("staff-1", "admin"), await token_for("owner", "invoices:read")
    assert await _void(gql, staff, number) == {"invoice": {"status": "VOID"}, "errors": []}

    (note,) = (await gql(CREDIT_NOTES, owner, {"number": number}))["data"]["invoice"]["creditNotes"]
    assert (note["number"], note["reason"], note["document"]) == ("JP-CN-2026-000001", "Issued in error.", None)
    assert note["issueDate"] >= ISSUE_DAY.isoformat() and note["total"]["currency"] == "JPY"

    assert await render_pending(billing_policy(settings).bank) == 1  # what the worker does next
    (note,) = (await gql(CREDIT_NOTES, owner, {"number": number}))["data"]["invoice"]["creditNotes"]
    stored = await InvoiceDocumentFile.get(invoice__number=number, kind=DocumentKind.CREDIT_NOTE)
    assert (note["document"]["sha256"], note["document"]["sizeBytes"]) == (stored.sha256, len(stored.pdf))
    downloaded = await client.get(note["document"]["url"])
    assert downloaded.status_code == 200 and downloaded.content == stored.pdf
    text = pdf_text(stored.pdf)
    for item in ("適格返還請求書", "JP-CN-2026-000001", number, "10%", "8%", "※"):
        assert item in text, item

    worker = Worker(WorkerConfig(mail_from="billing@portal.test"), SmtpServer.from_url(smtp_sink.url))
    await worker.drain()
    (mail,) = [r for r in smtp_sink.received if "JP-CN-2026-000001" in str(r.message["Subject"])]
    (attachment,) = list(mail.message.iter_attachments())
    assert attachment.get_filename() == "JP-CN-2026-000001.pdf" and attachment.get_content() == stored.pdf
    assert await OutboxMessage.filter(kind="credit_note_issued").count() == 1


async def test_credit_note_numbers_are_gapless_and_a_refused_void_uses_none(
    gql: Any, token_for: Any, account: Any, other_account: Any, settings: Any
) -> None:
    first = await issue_jp_invoice(account, settings)
    second = await issue_jp_invoice(other_account, settings)
    staff = await token_for("staff-1", "admin")
    assert (await _void(gql, staff, first))["errors"] == []
    assert (await _void(gql, staff, first))["errors"] == [{"code": "INVOICE_NOT_OPEN"}]  # voided already
    assert (await _void(gql, staff, second))["errors"] == []
    numbers = [note.number async for note in CreditNote.all().order_by("id")]
    assert numbers == ["JP-CN-2026-000001", "JP-CN-2026-000002"]
    (counter,) = await CreditNoteCounter.all()
    assert counter.last_sequence == 2
