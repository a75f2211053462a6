"""enqueue: in the caller's transaction, deduplicated, validated before it is stored."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from models.accounts import Account
from models.outbox import OutboxMessage, OutboxStatus
from notifications.outbox import InvalidMessage, enqueue
from tests.notifications.conftest import invoice_data


async def test_a_rolled_back_transaction_enqueues_and_sends_nothing(db, smtp_sink, make_worker):
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await Account.create(name="Doomed")
            await enqueue("invoice_issued", to=["a@x.test"], language="en", data=invoice_data(), dedup_key="k1")
            assert await OutboxMessage.all().count() == 1  # visible inside the transaction
            raise RuntimeError("the use case failed after enqueueing")
    assert await OutboxMessage.all().count() == 0
    assert await Account.filter(name="Doomed").count() == 0
    assert await make_worker(smtp_sink.url).drain() == 0
    assert smtp_sink.received == []


async def test_a_committed_message_is_pending_and_due(db):
    async with in_transaction():
        row = await enqueue(
            "invoice_issued", to=["a@x.test"], cc=["b@x.test"], language="ja", data=invoice_data(), dedup_key="k1"
        )
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.PENDING and stored.attempts == 0 and stored.sent_at is None
    assert stored.recipients == ["a@x.test", "b@x.test"]
    assert stored.data["total"] == {"amount": "12345", "currency": "JPY"}


async def test_the_same_dedup_key_twice_yields_one_message(db):
    async with in_transaction():
        first = await enqueue("invoice_issued", to=["a@x.test"], language="en", data=invoice_data(), dedup_key="inv:1")
    async with in_transaction():
        second = await enqueue(
            "invoice_issued", to=["other@x.test"], language="ja", data=invoice_data("X"), dedup_key="inv:1"
        )
    assert second.id == first.id and second.to_addresses == ["a@x.test"]
    assert await OutboxMessage.all().count() == 1


async def test_the_same_dedup_key_twice_in_one_transaction_yields_one_message(db):
    async with in_transaction():
        first = await enqueue("invoice_issued", to=["a@x.test"], language="en", data=invoice_data(), dedup_key="d")
        second = await enqueue("invoice_issued", to=["a@x.test"], language="en", data=invoice_data(), dedup_key="d")
    assert first.id == second.id
    assert await OutboxMessage.all().count() == 1


@pytest.mark.parametrize(
    ("kind", "language", "data"),
    [
        ("invoice_issued", "en", invoice_data(due_date="tomorrow")),
        ("invoice_issued", "en", {k: v for k, v in invoice_data().items() if k != "total"}),
        ("invoice_issued", "fr", invoice_data()),
        ("no_such_kind", "en", invoice_data()),
    ],
)
async def test_invalid_template_data_is_refused_at_enqueue_and_nothing_is_stored(db, kind, language, data):
    with pytest.raises(InvalidMessage):
        async with in_transaction():
            await enqueue(kind, to=["a@x.test"], language=language, data=data, dedup_key="bad")
    assert await OutboxMessage.all().count() == 0
