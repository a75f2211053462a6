"""Copying new events into deliveries: one per endpoint that wants the event's type.

An endpoint's ``last_sequence`` is the last of its account's events it has been given
(or passed over, when it does not want that type). For each enabled endpoint behind its
account's counter, one transaction locks the endpoint row (``SKIP LOCKED`` on PostgreSQL:
a second worker passes it by), reads the next events by sequence, writes their deliveries
and advances ``last_sequence``: an event is copied once, even with several workers, and an
event numbered later never commits before an earlier one (``billing.events``), so reading
by sequence skips none.
"""

from __future__ import annotations

import datetime

from tortoise.transactions import in_transaction

from billing.webhooks.messages import event_payload
from billing.webhooks.signing import new_message_id
from models.events import AccountEventCounter, InvoiceEvent
from models.webhooks import WebhookDelivery, WebhookEndpoint

BATCH = 500
"""Events copied per endpoint per transaction."""


async def fan_out(now: datetime.datetime) -> int:
    """Copy every new event into deliveries; how many deliveries were written."""
    written = 0
    for endpoint_id in await _behind():
        while True:
            copied, more = await _copy(endpoint_id, now)
            written += copied
            if not more:
                break
    return written


async def _behind() -> list[int]:
    """The enabled endpoints whose account has events they were not given yet."""
    endpoints = await WebhookEndpoint.filter(disabled_at__isnull=True).values_list("id", "account_id", "last_sequence")
    if not endpoints:
        return []
    accounts = list({account_id for _, account_id, _ in endpoints})
    counters = dict(
        await AccountEventCounter.filter(account_id__in=accounts).values_list("account_id", "last_sequence")
    )
    return [
        endpoint_id for endpoint_id, account_id, last in endpoints
        if counters.get(account_id, 0) > last
    ]


async def _copy(endpoint_id: int, now: datetime.datetime) -> tuple[int, bool]:
    """One batch of one endpoint's new events: (deliveries written, whether more may follow)."""
    async with in_transaction():
        endpoint = await (
            WebhookEndpoint.filter(id=endpoint_id, disabled_at__isnull=True)
            .select_for_update(skip_locked=True, no_key=True).first()
        )
        if endpoint is None:  # disabled meanwhile, or another worker is copying it
            return 0, False
        events = await (
            InvoiceEvent.filter(account_id=endpoint.account_id, sequence__gt=endpoint.last_sequence)
            .order_by("sequence").limit(BATCH)
        )
        if not events:
            return 0, False
        wanted = set(endpoint.event_types)
        rows = [
            WebhookDelivery(
                message_id=new_message_id(), endpoint_id=endpoint.id, event_id=event.id,
                event_type=event.type.webhook_name, payload=event_payload(event), next_attempt_at=now,
            )
            for event in events if event.type.value in wanted
        ]
        if rows:
            await WebhookDelivery.bulk_create(rows, ignore_conflicts=True)
        endpoint.last_sequence = events[-1].sequence
        await endpoint.save(update_fields=["last_sequence"])
    return len(rows), len(events) == BATCH
