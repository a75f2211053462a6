"""Delivering events over real HTTP to loopback receivers, on both databases: signed as the
reference library verifies, retried, recorded, shared between workers."""

from __future__ import annotations

import asyncio
from typing import Any

from billing.webhooks.deliveries import redeliver
from billing.webhooks.endpoints import rotate_secret
from billing.webhooks.retry import RetryPolicy
from models.accounts import Account
from models.events import InvoiceEventType
from models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.support.webhook_receiver import Received, Receiver, Reply, payloads
from tests.support.webhooks import (
    deliverer,
    drain_until,
    endpoint,
    issued_invoice,
    owner_of,
    record,
    settled,
)

ISSUED, PAID, VOIDED = InvoiceEventType.INVOICE_ISSUED, InvoiceEventType.INVOICE_PAID, InvoiceEventType.INVOICE_VOIDED


async def test_events_after_creation_reach_the_endpoint_signed_as_standard_webhooks_say(
    db: Any, account: Account
) -> None:
    invoice = await issued_invoice(account)  # its events (if any) predate the endpoint
    async with Receiver() as receiver:
        created = await endpoint(account, receiver.url, [ISSUED, PAID])
        recorded = await record(invoice, PAID, VOIDED, ISSUED)
        assert await deliverer().drain() == 2

    assert [r.method for r in receiver.requests] == ["POST", "POST"]
    assert {r.target for r in receiver.requests} == {"/hooks"}
    bodies = [r.verify(created.secret) for r in receiver.requests]  # the reference library verifies each
    assert sorted(b["type"] for b in bodies) == ["invoice.issued", "invoice.paid"]
    by_type = {b["type"]: b for b in bodies}
    paid = by_type["invoice.paid"]
    assert paid["data"]["number"] == invoice.number and paid["data"]["sequence"] == recorded[0].sequence
    assert paid["data"]["accountId"] == str(account.id)
    assert paid["timestamp"].endswith("Z")
    assert by_type["invoice.issued"]["data"]["sequence"] == recorded[2].sequence
    first = receiver.requests[0]
    assert first.headers["content-type"] == "application/json"
    assert first.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert first.message_id.startswith("msg_")
    assert await WebhookDelivery.filter(status=DeliveryStatus.SUCCEEDED).count() == 2
    row = await WebhookEndpoint.get(id=created.endpoint.id)
    assert row.last_sequence == recorded[-1].sequence and row.consecutive_failures == 0


async def test_a_receiver_failing_the_first_three_tries_processes_each_event_once(db: Any, account: Account) -> None:
    def flaky(request: Received, index: int) -> Reply:
        # It processes what it gets, but answers 500 three times (e.g. it timed out after its commit).
        return Reply(500, body=b"try later") if index < 3 else Reply(204, body=b"")

    invoice = await issued_invoice(account)
    async with Receiver(flaky) as receiver:
        created = await endpoint(account, receiver.url)
        recorded = await record(invoice, PAID, VOIDED)
        worker = deliverer()
        await drain_until(worker, settled)

    processed = receiver.processed(created.secret)  # de-duplicated by webhook-id
    assert sorted(p["data"]["sequence"] for p in processed.values()) == [e.sequence for e in recorded]
    assert len(receiver.requests) == 2 + 3  # every copy beyond one per message was a retry of a failure
    assert await WebhookDelivery.filter(status=DeliveryStatus.SUCCEEDED).count() == 2
    codes = await WebhookAttempt.all().order_by("id").values_list("status_code", flat=True)
    assert sorted(codes) == [204, 204, 500, 500, 500]
    errors = await WebhookAttempt.filter(status_code=500).values_list("error", flat=True)
    assert set(errors) == {"HTTP 500: try later"}
    assert (await WebhookEndpoint.get(id=created.endpoint.id)).consecutive_failures == 0


async def test_during_a_rotation_the_old_and_the_new_secret_both_verify(db: Any, account: Account) -> None:
    invoice = await issued_invoice(account)
    async with Receiver() as receiver:
        created = await endpoint(account, receiver.url)
        rotated = await rotate_secret(owner_of(account), created.endpoint.id)
        await record(invoice, PAID)
        await deliverer().drain()

    (request,) = receiver.requests
    assert rotated.secret != created.secret
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert request.verify(created.secret) == request.verify(rotated.secret)
    assert rotated.endpoint.previous_secret_expires_at is not None


async def test_a_run_of_failures_disables_the_endpoint_and_emails_its_owners_once(
    db: Any, account: Account, smtp_sink: Any
) -> None:
    from models.accounts import Member
    from notifications.smtp import SmtpServer
    from notifications.worker import Worker, WorkerConfig

    await Member.filter(account_id=account.id, subject="owner").update(email="owner@acme.test")
    invoice = await issued_invoice(account)
    async with Receiver(lambda request, index: Reply(503)) as receiver:
        created = await endpoint(account, receiver.url)
        await record(invoice, PAID, VOIDED, ISSUED)
        worker = deliverer(failure_threshold=4)

        async def disabled() -> bool:
            return (await WebhookEndpoint.get(id=created.endpoint.id)).disabled_at is not None

        await drain_until(worker, disabled)
        tried = len(receiver.requests)
        for _ in range(3):  # nothing more is tried while it is disabled
            await asyncio.sleep(0.03)
            assert await worker.drain() == 0
        assert len(receiver.requests) == tried

    row = await WebhookEndpoint.get(id=created.endpoint.id)
    assert row.consecutive_failures >= 4 and row.disabled_reason is not None
    assert row.disabled_reason.startswith("4 failed attempts in a row")
    assert await WebhookDelivery.filter(status=DeliveryStatus.PENDING).count() == 3  # kept for when it is enabled
    mail = Worker(WorkerConfig(mail_from="billing@portal.test"), SmtpServer.from_url(smtp_sink.url))
    await mail.drain()
    (message,) = [m.message for m in smtp_sink.received]
    assert message["To"] == "owner@acme.test"
    assert created.endpoint.url in message.get_body(("plain",)).get_content()


async def test_a_delivery_is_failed_when_the_retry_window_has_passed(db: Any, account: Account) -> None:
    invoice = await issued_invoice(account)
    async with Receiver(lambda request, index: Reply(500)) as receiver:
        await endpoint(account, receiver.url)
        await record(invoice, PAID)
        worker = deliverer(retry=RetryPolicy(base_seconds=0.01, max_seconds=0.01, window_seconds=0))
        assert await worker.drain() == 1
    (row,) = await WebhookDelivery.all()
    assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.FAILED, 1, 500)


async def test_a_redelivery_sends_the_same_message_id_again(db: Any, account: Account) -> None:
    invoice = await issued_invoice(account)
    async with Receiver() as receiver:
        await endpoint(account, receiver.url)
        await record(invoice, PAID)
        worker = deliverer()
        await worker.drain()
        (row,) = await WebhookDelivery.all()
        again = await redeliver(owner_of(account), row.id)
        assert again.status is DeliveryStatus.PENDING
        assert await worker.drain() == 1

    assert [r.message_id for r in receiver.requests] == [row.message_id] * 2
    assert payloads(receiver.requests)[0] == payloads(receiver.requests)[1]
    assert await WebhookAttempt.filter(delivery_id=row.id).count() == 2
    assert (await WebhookDelivery.get(id=row.id)).status is DeliveryStatus.SUCCEEDED


async def test_two_workers_side_by_side_send_each_message_once(db: Any, account: Account) -> None:
    invoice = await issued_invoice(account)
    async with Receiver() as receiver:
        await endpoint(account, receiver.url)
        await endpoint(account, receiver.url)
        kinds = [PAID, VOIDED, ISSUED] * 4
        await record(invoice, *kinds)
        one, two = deliverer(concurrency=3), deliverer(concurrency=3)
        await asyncio.gather(one.drain(), two.drain())
        await drain_until(one, settled)

    ids = [r.message_id for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 2 * len(kinds)
    assert await WebhookDelivery.filter(status=DeliveryStatus.SUCCEEDED).count() == 2 * len(kinds)


async def test_a_slow_endpoint_does_not_hold_the_others_back(db: Any, account: Account) -> None:
    """The slow receiver answers only once the fast one has had all its messages: if the
    worker waited for the slow endpoint, its tries would time out instead."""
    everything_fast = asyncio.Event()
    fast_messages = 6

    async def slow(request: Received, index: int) -> Reply:
        await asyncio.wait_for(everything_fast.wait(), timeout=20)
        return Reply(200)

    def fast(request: Received, index: int) -> Reply:
        if index + 1 == fast_messages:
            everything_fast.set()
        return Reply(200)

    invoice = await issued_invoice(account)
    async with Receiver(slow) as slow_receiver, Receiver(fast) as fast_receiver:
        await endpoint(account, slow_receiver.url, [PAID, VOIDED])
        await endpoint(account, fast_receiver.url, [ISSUED])
        await record(invoice, PAID, VOIDED)  # two slow messages: they wait, holding two slots
        await record(invoice, *[ISSUED] * fast_messages)
        await deliverer(concurrency=4, timeout_seconds=30).drain()

    assert len(fast_receiver.requests) == fast_messages
    slow_tries = await WebhookAttempt.filter(delivery__endpoint__url=slow_receiver.url + "/hooks").values_list(
        "status_code", flat=True
    )
    assert slow_tries == [200, 200]  # each answered on its first try: nothing waited for them


async def test_a_redirect_is_not_followed(db: Any, account: Account) -> None:
    invoice = await issued_invoice(account)
    async with Receiver() as elsewhere:
        async with Receiver(lambda r, i: Reply(302, {"Location": elsewhere.url + "/stolen"})) as receiver:
            await endpoint(account, receiver.url)
            await record(invoice, PAID)
            await deliverer().drain()
    assert len(receiver.requests) == 1
    assert elsewhere.connections == 0 and elsewhere.requests == []
    (attempt,) = await WebhookAttempt.all()
    assert (attempt.status_code, attempt.error) == (302, "redirect not followed")
    assert (await WebhookDelivery.get(id=attempt.delivery_id)).status is DeliveryStatus.PENDING


async def test_an_endpoint_created_while_behind_gets_only_later_events(db: Any, account: Account) -> None:
    invoice = await issued_invoice(account)
    await record(invoice, PAID, VOIDED)
    async with Receiver() as receiver:
        await endpoint(account, receiver.url)
        assert await deliverer().drain() == 0
        (later,) = await record(invoice, ISSUED)
        assert await deliverer().drain() == 1
    assert [p["data"]["sequence"] for p in payloads(receiver.requests)] == [later.sequence]


async def test_a_timeout_is_a_failed_try_with_its_duration(db: Any, account: Account) -> None:
    release = asyncio.Event()

    async def hang(request: Received, index: int) -> Reply:
        await release.wait()
        return Reply(200)

    invoice = await issued_invoice(account)
    async with Receiver(hang) as receiver:
        await endpoint(account, receiver.url)
        await record(invoice, PAID)
        await deliverer(timeout_seconds=0.3).drain()
        release.set()
    (attempt,) = await WebhookAttempt.all()
    assert attempt.status_code is None and attempt.error == "no answer within 0.3 s"
    assert attempt.duration_ms >= 0
