"""The worker's side of the outbox: claiming due messages and recording outcomes.

On PostgreSQL a claim is a short transaction: ``SELECT … FOR NO KEY UPDATE SKIP
LOCKED``, then the claimed rows get the worker's claim token and a lease
(``next_attempt_at`` = now + lease), so workers side by side never share a row.
SQLite has no row locks and runs one worker at a time (``single_worker``): there
a claim is one ``UPDATE … WHERE id IN (SELECT …)``. Sending
happens outside any transaction. Outcomes are written only while the token is
still ours, so a worker whose lease ran out cannot overwrite the worker that
took the message over.
"""

from __future__ import annotations

import datetime
from typing import Any

from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from models.outbox import OutboxMessage, OutboxStatus
from notifications.outbox import WAITING
from notifications.retry import Decision


async def claim(now: datetime.datetime, limit: int, lease_seconds: float, token: str) -> list[OutboxMessage]:
    """Up to ``limit`` due messages, leased to ``token`` until now + lease; attempts counted."""
    until = now + datetime.timedelta(seconds=lease_seconds)
    due = OutboxMessage.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at")
    lease = {"next_attempt_at": until, "claimed_by": token, "attempts": F("attempts") + 1}
    if OutboxMessage._meta.db.capabilities.dialect == "sqlite":
        # One statement, so the write lock is taken at once (a SELECT-then-UPDATE
        # transaction can fail with "database is locked" next to the API process).
        await OutboxMessage.filter(id__in=Subquery(due.limit(limit).values("id"))).update(**lease)
        return await OutboxMessage.filter(claimed_by=token).order_by("created_at")
    async with in_transaction():
        rows = await due.limit(limit).select_for_update(skip_locked=True, no_key=True)
        if not rows:
            return []
        await OutboxMessage.filter(id__in=[row.id for row in rows]).update(**lease)
    for row in rows:
        row.next_attempt_at, row.claimed_by, row.attempts = until, token, row.attempts + 1
    return rows


async def record(row: OutboxMessage, decision: Decision, now: datetime.datetime) -> bool:
    """Store the outcome of one attempt; False if the claim was lost (lease expired)."""
    values: dict[str, Any] = {
        "status": decision.status,
        "delivered_to": decision.delivered_to,
        "refused": decision.refused,
        "last_error": decision.last_error,
        "claimed_by": None,
        "updated_at": now,
    }
    if decision.status is OutboxStatus.SENT:
        values["sent_at"] = now
    if decision.next_attempt_at is not None:
        values["next_attempt_at"] = decision.next_attempt_at
    updated = await OutboxMessage.filter(id=row.id, claimed_by=row.claimed_by).update(**values)
    return bool(updated)


async def release(rows: list[OutboxMessage], now: datetime.datetime) -> int:
    """Give back claimed messages that were not tried (the worker is stopping): due again
    at ``now`` for any worker, their attempt not counted; only rows still ours."""
    released = 0
    for token in {row.claimed_by for row in rows}:
        released += await OutboxMessage.filter(
            id__in=[row.id for row in rows if row.claimed_by == token], claimed_by=token, status=OutboxStatus.PENDING
        ).update(next_attempt_at=now, claimed_by=None, attempts=F("attempts") - 1)
    return released


async def next_due_at() -> datetime.datetime | None:
    """When the earliest pending message (or lease) falls due; None if nothing is pending
    but messages waiting for their attachment (``notifications.outbox.WAITING``)."""
    row = await (
        OutboxMessage.filter(status=OutboxStatus.PENDING, next_attempt_at__lt=WAITING).order_by("next_attempt_at").first()
        .values_list("next_attempt_at")
    )
    # None when nothing is pending (tortoise types a single row as a tuple, never None).
    return row[0] if row else None


async def due_count(now: datetime.datetime) -> int:
    """How many pending messages are due at ``now`` (a backlog's size, for a progress bar)."""
    return await OutboxMessage.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now).count()
