"""Staff re-queue a FAILED message; the CLI lists and re-queues; the dev sink writes .eml files."""

from __future__ import annotations

import json
import uuid
from email import message_from_bytes, policy

import pytest
from tortoise.transactions import in_transaction

from api.settings import Settings
from api.worker import NoSmtpServer, smtp_target
from models.outbox import OutboxMessage, OutboxStatus
from notifications.outbox import RequeueError, enqueue, requeue
from tests.notifications.conftest import enqueue_invoices, invoice_data
from tests.notifications.test_delivery import run_cli
from tests.support.smtp import Faults, FaultySmtpSink


async def failed_message(make_worker) -> OutboxMessage:
    sink = FaultySmtpSink(Faults(data_reply="554 5.7.1 Relay access denied"))
    sink.start()
    try:
        [row] = await enqueue_invoices(1)
        await make_worker(sink.url).drain()
    finally:
        sink.stop()
    row = await OutboxMessage.get(id=row.id)
    assert row.status is OutboxStatus.FAILED
    return row


async def test_a_requeued_failed_message_is_delivered_with_the_same_message_id(db, make_worker, smtp_sink):
    row = await failed_message(make_worker)
    again = await requeue(row.id)
    assert again.status is OutboxStatus.PENDING and again.attempts == 0
    await make_worker(smtp_sink.url).drain()
    [received] = smtp_sink.received
    assert received.message["Message-ID"] == f"<{row.id}@portal.test>"
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.SENT and stored.attempts == 1


async def test_only_a_failed_message_can_be_requeued(db):
    [row] = await enqueue_invoices(1)
    with pytest.raises(RequeueError, match="only a FAILED message"):
        await requeue(row.id)
    with pytest.raises(RequeueError, match="no outbox message"):
        await requeue(uuid.uuid4())


async def test_the_cli_lists_failed_messages_and_requeues_one(db, database_url, make_worker, tmp_path):
    row = await failed_message(make_worker)
    listed = run_cli(
        "outbox", "list", "--status", "FAILED", database_url=database_url, smtp_url=None, tmp_path=tmp_path
    )
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    shown = json.loads(line)
    assert shown["id"] == str(row.id) and shown["attempts"] == 1 and "554 5.7.1" in shown["last_error"]
    done = run_cli("outbox", "requeue", str(row.id), database_url=database_url, smtp_url=None, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (await OutboxMessage.get(id=row.id)).status is OutboxStatus.PENDING
    again = run_cli("outbox", "requeue", str(row.id), database_url=database_url, smtp_url=None, tmp_path=tmp_path)
    assert again.returncode == 1 and "only a FAILED message" in again.stderr


async def test_without_an_smtp_url_the_worker_writes_each_message_as_eml(db, backend, database_url, tmp_path):
    if backend == "postgres":
        pytest.skip("the sink does not depend on the database; once is enough")
    async with in_transaction():
        row = await enqueue("invoice_issued", to=["a@x.test"], language="ja", data=invoice_data(), dedup_key="k")
    result = run_cli("worker", "--once", database_url=database_url, smtp_url=None, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    [eml] = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["Message-ID"] == f"<{row.id}@portal.test>" and "12,345円" in message["Subject"]
    assert message["X-Envelope-To"] == "a@x.test"



def test_in_production_the_worker_refuses_to_start_without_an_smtp_server(tmp_path):
    settings = Settings(env="production", issuer="https://portal.test", mail_dir=tmp_path / "mail")
    with pytest.raises(NoSmtpServer, match="PORTAL_SMTP_URL must be set in production"):
        with smtp_target(settings):
            pass
    with smtp_target(Settings(smtp_url="smtps://u:p@mail.test:2465")) as server:
        assert (server.hostname, server.port, server.use_tls) == ("mail.test", 2465, True)
