"""The invoice email carries the invoice's PDF, exactly the stored bytes, and waits for it.

An invoice is issued through the billing run; its email is in the outbox at once, but the
document is rendered right after the run (by the worker): until then the email is not
due (no attempt spent), then it goes out once through a real SMTP server with the PDF
attached, the bank to transfer to and a link to the console."""

from __future__ import annotations

from typing import Any

from api.services import billing_policy
from billing.documents.stored import render_pending
from models.invoice_documents import InvoiceDocumentFile
from models.outbox import OutboxMessage, OutboxStatus
from notifications import claims
from tests.support.documents import issue_jp_invoice, pdf_text

CONSOLE = "https://console.portal.test/"


async def test_the_invoice_email_waits_for_the_document_then_carries_it(
    db: Any, account: Any, settings: Any, smtp_sink: Any, make_worker: Any, clock: Any
) -> None:
    number = await issue_jp_invoice(account, settings, rendered=False)
    worker = make_worker(smtp_sink.url, console_url=CONSOLE)
    assert await worker.drain() == 0 and smtp_sink.received == []
    (waiting,) = await OutboxMessage.filter(kind="invoice_issued")
    assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, 0), "waiting spends no attempt"
    assert await claims.next_due_at() is None, "nothing is due: the worker sleeps instead of spinning"

    assert await render_pending(billing_policy(settings).bank) == 1
    assert await worker.drain() == 1
    (received,) = smtp_sink.received
    message = received.message
    (attachment,) = list(message.iter_attachments())
    stored = await InvoiceDocumentFile.get(invoice__number=number)
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{number}.pdf"
    assert attachment.get_content() == stored.pdf, "the attachment is the stored document, byte for byte"
    assert number in pdf_text(attachment.get_content())

    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    bank = billing_policy(settings).bank
    assert bank is not None
    for part in (text, html):
        assert bank.bank in part and bank.number in part and bank.holder_kana in part
        assert CONSOLE in part and "PDF" in part
    assert (await OutboxMessage.get(id=waiting.id)).status is OutboxStatus.SENT
