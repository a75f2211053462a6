"""Claiming due deliveries, as the email outbox claims messages (``notifications.claims``).

On PostgreSQL a claim is a short transaction: ``SELECT … FOR NO KEY UPDATE SKIP LOCKED``,
then the chosen rows get the worker's claim token and a lease (``next_attempt_at`` = now
+ lease), so workers side by side never share a delivery. SQLite runs one worker at a time:
there the chosen rows are leased by one conditional ``UPDATE``. Deliveries of disabled
endpoints are not claimed. At most ``per_endpoint`` deliveries of one endpoint are in
flight in a worker (``busy`` counts them), so a slow endpoint holds few of its slots.
"""

from __future__ import annotations

import datetime
from collections import Counter

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def _choose(candidates: list[tuple[int, int]], limit: int, per_endpoint: int, busy: Counter[int]) -> list[int]:
    """Up to ``limit`` delivery ids, at most ``per_endpoint`` in flight per endpoint."""
    taken = Counter(busy)
    chosen: list[int] = []
    for delivery_id, endpoint_id in candidates:
        if len(chosen) >= limit:
            break
        if taken[endpoint_id] < per_endpoint:
            taken[endpoint_id] += 1
            chosen.append(delivery_id)
    return chosen


async def claim(
    now: datetime.datetime,
    *,
    limit: int,
    lease_seconds: float,
    token: str,
    per_endpoint: int,
    busy: Counter[int] | None = None,
    due_by: datetime.datetime | None = None,
) -> list[WebhookDelivery]:
    """Up to ``limit`` deliveries due by ``due_by`` (default ``now``), leased to ``token``."""
    if limit <= 0:
        return []
    busy = busy or Counter()
    full = [endpoint_id for endpoint_id, count in busy.items() if count >= per_endpoint]
    enabled = Subquery(WebhookEndpoint.filter(disabled_at__isnull=True).values("id"))
    due = WebhookDelivery.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=due_by or now, endpoint_id__in=enabled
    )
    if full:
        due = due.exclude(endpoint_id__in=full)
    due = due.order_by("next_attempt_at", "id").limit(limit * 4)
    until = now + datetime.timedelta(seconds=lease_seconds)
    lease = {"next_attempt_at": until, "claimed_by": token}
    if WebhookDelivery._meta.db.capabilities.dialect == "sqlite":
        candidates = await due.values_list("id", "endpoint_id")
        chosen = _choose(list(candidates), limit, per_endpoint, busy)
        await WebhookDelivery.filter(
            id__in=chosen, status=DeliveryStatus.PENDING, next_attempt_at__lte=due_by or now
        ).update(**lease)
        return await WebhookDelivery.filter(id__in=chosen, claimed_by=token).order_by("id")
    async with in_transaction():
        rows = await due.select_for_update(skip_locked=True, no_key=True)
        chosen = _choose([(row.id, row.endpoint_id) for row in rows], limit, per_endpoint, busy)
        if chosen:
            await WebhookDelivery.filter(id__in=chosen).update(**lease)
    picked = [row for row in rows if row.id in set(chosen)]
    for row in picked:
        row.next_attempt_at, row.claimed_by = until, token
    return picked


async def next_due_at() -> datetime.datetime | None:
    """When the earliest pending delivery of an enabled endpoint (or a lease) falls due."""
    enabled = Subquery(WebhookEndpoint.filter(disabled_at__isnull=True).values("id"))
    row = await (
        WebhookDelivery.filter(status=DeliveryStatus.PENDING, endpoint_id__in=enabled)
        .order_by("next_attempt_at").first().values_list("next_attempt_at")
    )
    return row[0] if row else None
