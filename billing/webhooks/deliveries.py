"""Use cases on deliveries: send a test event, redeliver, read deliveries and their tries."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from billing.access.caller import WEBHOOK_READ_SCOPES, Caller
from billing.access.rules import readable, require_webhook_manager
from billing.errors import BusinessError, ErrorCode
from billing.webhooks.messages import TEST_EVENT, test_payload
from billing.webhooks.signing import new_message_id
from models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

ENDPOINT_DISABLED = "The endpoint is disabled: enable it first."


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def send_test_event(caller: Caller, endpoint_id: int) -> WebhookDelivery:
    """Queue a ``webhook.test`` message to the endpoint (no event is recorded); the worker
    sends it, signed and retried like any other."""
    require_webhook_manager(caller)
    endpoint = await readable(WebhookEndpoint.filter(id=endpoint_id), caller, scopes=WEBHOOK_READ_SCOPES).first()
    if endpoint is None:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such webhook endpoint.", "endpointId")
    if endpoint.disabled_at is not None:
        raise BusinessError.single(ErrorCode.NOT_ALLOWED, ENDPOINT_DISABLED, "endpointId")
    now = _now()
    return await WebhookDelivery.create(
        message_id=new_message_id(), endpoint_id=endpoint.id, event_type=TEST_EVENT,
        payload=test_payload(endpoint.account_id, now), next_attempt_at=now,
    )


async def redeliver(caller: Caller, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now, with its message id (a receiver that has it already can
    tell), and a new round of retries. One being sent at this moment is left to its try."""
    require_webhook_manager(caller)
    async with in_transaction():
        query = readable(
            WebhookDelivery.filter(id=delivery_id), caller, scopes=WEBHOOK_READ_SCOPES,
            account_field="endpoint__account_id",
        )
        found = await query.values_list("id", flat=True)
        row = await WebhookDelivery.filter(id__in=list(found)).select_for_update().first()
        if row is None:
            raise BusinessError.single(ErrorCode.NOT_FOUND, "No such webhook delivery.", "deliveryId")
        endpoint = await WebhookEndpoint.get(id=row.endpoint_id)
        if endpoint.disabled_at is not None:
            raise BusinessError.single(ErrorCode.NOT_ALLOWED, ENDPOINT_DISABLED, "deliveryId")
        if row.claimed_by is None:
            row.status, row.attempts, row.next_attempt_at = DeliveryStatus.PENDING, 0, _now()
            await row.save(update_fields=["status", "attempts", "next_attempt_at"])
    return row


def endpoint_deliveries(caller: Caller, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    """The deliveries of one endpoint the caller may read (none for a foreign endpoint)."""
    return readable(
        WebhookDelivery.filter(endpoint_id=endpoint_id), caller, scopes=WEBHOOK_READ_SCOPES,
        account_field="endpoint__account_id",
    )


async def deliveries_by_id(caller: Caller, ids: list[int]) -> dict[int, WebhookDelivery]:
    rows = await readable(
        WebhookDelivery.filter(id__in=ids), caller, scopes=WEBHOOK_READ_SCOPES, account_field="endpoint__account_id"
    )
    return {row.id: row for row in rows}


async def attempts_of(delivery_ids: Sequence[int], *, latest: int) -> dict[int, list[WebhookAttempt]]:
    """The ``latest`` tries of each delivery, newest first (call with deliveries the caller
    may read)."""
    found: dict[int, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in delivery_ids}
    if not delivery_ids:
        return found
    for row in await WebhookAttempt.filter(delivery_id__in=list(delivery_ids)).order_by("-id"):
        tries = found[row.delivery_id]
        if len(tries) < latest:
            tries.append(row)
    return found
