"""What the worker asks of the outbox besides claiming: the size of the backlog due now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.outbox import OutboxMessage
from notifications.claims import due_count
from tests.notifications.conftest import enqueue_invoices


async def test_the_backlog_counts_the_pending_messages_due_now(db: Any) -> None:
    rows = await enqueue_invoices(3)
    later = datetime.now(UTC) + timedelta(hours=1)
    await OutboxMessage.filter(id=rows[0].id).update(next_attempt_at=later)  # not due yet
    assert await due_count(datetime.now(UTC)) == 2
    assert await due_count(later) == 3
