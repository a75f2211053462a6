"""Delivery to a real SMTP server: headers, once each, permanent and partial refusals."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

from tortoise.transactions import in_transaction

from billing.accounts import create_account
from billing.documents.stored import render_pending
from models.invoice_documents import InvoiceDocumentFile
from models.invoices import Invoice
from models.outbox import OutboxMessage, OutboxStatus
from notifications.outbox import enqueue
from tests.notifications.conftest import enqueue_invoices, invoice_data, message_ids
from tests.support.server import audited, clean_environ
from tests.support.smtp import Faults, FaultySmtpSink


def run_cli(*args: str, database_url: str, smtp_url: str | None, tmp_path) -> subprocess.CompletedProcess:
    env = clean_environ(
        PORTAL_DATABASE_URL=database_url,
        PORTAL_MAIL_FROM="Billing Portal <billing@portal.test>",
        PORTAL_MAIL_DIR=str(tmp_path / "mail"),
        PORTAL_SMTP_URL=smtp_url or "",
    )
    return audited(subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    ))


async def test_a_message_has_stable_message_id_date_from_and_text_and_html(db, smtp_sink, make_worker):
    async with in_transaction():
        row = await enqueue(
            "invoice_issued", to=["a@x.test"], cc=["c@x.test"], language="ja", data=invoice_data(), dedup_key="k"
        )
    await make_worker(smtp_sink.url).drain()
    [received] = smtp_sink.received
    message = received.message
    assert message["Message-ID"] == f"<{row.id}@portal.test>"
    assert message["From"] == "Billing Portal <billing@portal.test>"
    assert message["Date"] and message["To"] == "a@x.test" and message["Cc"] == "c@x.test"
    assert received.envelope_from == "billing@portal.test" and received.recipients == ["a@x.test", "c@x.test"]
    assert "12,345円" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "2026年1月31日" in text and "<table>" in html
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.SENT and stored.attempts == 1 and stored.sent_at is not None


async def test_a_thousand_messages_are_received_exactly_once_each(db, database_url, smtp_sink, tmp_path):
    """Each with an invoice's PDF attached (the same stored document for all)."""
    account = await create_account("Acme IoT K.K.", "owner")
    invoice = await Invoice.create(
        account_id=account.id, coverage="JP", number="JP-2026-999999", year=2026, sequence=999_999,
        issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31), currency="JPY", payment_terms="NET_30",
        subtotal=Decimal(0), tax_total=Decimal(0), total=Decimal(0), bill_to={"company_name": "Acme IoT K.K."},
        issuer={"name": "Issuer"}, language="ja", document_pending=True,
    )
    rows = await enqueue_invoices(1000, attach_invoice_id=invoice.id)  # waiting for the document
    assert await render_pending(None) == 1  # stores it and makes the 1,000 due
    pdf = (await InvoiceDocumentFile.get(invoice_id=invoice.id)).pdf
    result = run_cli("worker", "--once", database_url=database_url, smtp_url=smtp_sink.url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    received = smtp_sink.received
    assert len(received) == 1000
    by_id = {r.message["Message-ID"]: r for r in received}
    assert set(by_id) == message_ids(rows)  # unique: 1,000 distinct ids, each received once
    for index, row in enumerate(rows):
        got = by_id[f"<{row.id}@portal.test>"]
        assert got.recipients == row.to_addresses and got.message["To"] == row.to_addresses[0]
        assert got.message["Content-Language"] == row.language
        assert ("お支払期限" if row.language == "ja" else "due") in got.message["Subject"]
        if index % 100 == 0:  # decoding 1,000 attachments would double the test's time; a sample of 10
            (attachment,) = list(got.message.iter_attachments())
            assert attachment.get_filename() == f"{row.data['invoice_number']}.pdf" and attachment.get_content() == pdf
    assert await OutboxMessage.filter(status=OutboxStatus.SENT, attempts=1).count() == 1000


async def test_a_550_reply_fails_the_message_after_one_attempt_with_the_reply_stored(db, make_worker):
    sink = FaultySmtpSink(Faults(data_reply="550 5.7.1 Message rejected as spam"))
    sink.start()
    try:
        [row] = await enqueue_invoices(1)
        worker = make_worker(sink.url)
        await worker.drain()
        await worker.clock.sleep(3600)
        await worker.drain()
    finally:
        sink.stop()
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.FAILED and stored.attempts == 1
    assert "550 5.7.1 Message rejected as spam" in stored.last_error
    assert [e.outcome for e in sink.events] == ["refused"]


async def test_a_recipient_refused_for_good_does_not_stop_the_others(db, make_worker):
    sink = FaultySmtpSink(Faults(refuse_recipients={"gone@x.test": "550 5.1.1 No such user"}))
    sink.start()
    try:
        async with in_transaction():
            row = await enqueue(
                "invoice_issued", to=["a@x.test"], cc=["gone@x.test"], language="en", data=invoice_data(), dedup_key="k"
            )
        await make_worker(sink.url).drain()
    finally:
        sink.stop()
    [received] = sink.received
    assert received.recipients == ["a@x.test"]
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.SENT and stored.delivered_to == ["a@x.test"]
    assert stored.refused == {"gone@x.test": "550 5.1.1 No such user"}
    assert "gone@x.test refused: 550 5.1.1 No such user" in stored.last_error


async def test_a_temporarily_refused_recipient_is_retried_alone_so_no_one_gets_two(db, make_worker, clock):
    faults = Faults(refuse_recipients={"busy@x.test": "452 4.2.2 Mailbox full"})
    sink = FaultySmtpSink(faults)
    sink.start()
    try:
        async with in_transaction():
            row = await enqueue(
                "invoice_issued", to=["a@x.test"], cc=["busy@x.test"], language="en", data=invoice_data(), dedup_key="k"
            )
        worker = make_worker(sink.url)
        await worker.drain()
        assert (await OutboxMessage.get(id=row.id)).status is OutboxStatus.PENDING
        faults.refuse_recipients.clear()
        await clock.sleep(3600)
        await worker.drain()
    finally:
        sink.stop()
    assert [r.recipients for r in sink.received] == [["a@x.test"], ["busy@x.test"]]
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.SENT and stored.attempts == 2
    assert stored.delivered_to == ["a@x.test", "busy@x.test"]


async def test_all_recipients_refused_for_good_fails_the_message(db, make_worker):
    sink = FaultySmtpSink(Faults(refuse_recipients={"gone@x.test": "550 5.1.1 No such user"}))
    sink.start()
    try:
        async with in_transaction():
            row = await enqueue("invoice_issued", to=["gone@x.test"], language="en", data=invoice_data(), dedup_key="k")
        await make_worker(sink.url).drain()
    finally:
        sink.stop()
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.FAILED and stored.attempts == 1 and sink.received == []
    assert "550 5.1.1 No such user" in stored.last_error


