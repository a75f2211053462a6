"""Output types: webhook endpoints, their deliveries, and each delivery's tries.

Both node types are read with billing:read or billing:write (their own account's) or
admin (any account); partner clients (invoices:read) do not read them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from billing.access.caller import WEBHOOK_READ_SCOPES
from billing.webhooks.deliveries import attempts_of, deliveries_by_id
from billing.webhooks.endpoints import endpoints_by_id
from models.events import InvoiceEventType as EventType
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from schema.context import Info
from schema.ids import resolve_int_nodes
from schema.permissions import readable_by
from schema.types.account import AccountNode
from schema.webhooks.enums import DeliveryStatus, InvoiceEventType

LATEST_ATTEMPTS = 50
"""Tries shown per delivery, newest first."""


@readable_by(WEBHOOK_READ_SCOPES)
@strawberry.type(
    name="WebhookEndpoint",
    description="A URL the account's invoice events are posted to, signed (Standard Webhooks). Read with "
    "billing:read, billing:write or admin. Its secret is shown only when it is created or rotated.",
)
class WebhookEndpointNode(relay.Node):
    id: relay.NodeID[int]
    url: str = strawberry.field(description="Where events are posted.")
    description: str = strawberry.field(description="A note for people (may be empty).")
    events: list[InvoiceEventType] = strawberry.field(description="The event types posted to it.")
    enabled: bool = strawberry.field(description="False once disabled (by a person, or after a run of failures).")
    disabled_at: datetime | None = strawberry.field(description="When it was disabled (UTC); null while enabled.")
    disabled_reason: str | None = strawberry.field(description="Why it was disabled; null while enabled.")
    consecutive_failures: int = strawberry.field(
        description="Failed tries in a row (any success resets it); at the threshold the endpoint is disabled."
    )
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="Until when the secret replaced by the last rotation also signs (UTC); null when none does."
    )
    created_by: str = strawberry.field(description="Who created it (OAuth subject).")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    account_id: strawberry.Private[object]

    @classmethod
    def from_model(cls, row: WebhookEndpoint) -> WebhookEndpointNode:
        return cls(
            id=row.id, url=row.url, description=row.description,
            events=[EventType(value) for value in row.event_types if value in EventType.__members__],
            enabled=row.disabled_at is None, disabled_at=row.disabled_at, disabled_reason=row.disabled_reason,
            consecutive_failures=row.consecutive_failures, previous_secret_expires_at=row.previous_secret_expires_at,
            created_by=row.created_by, created_at=row.created_at, account_id=row.account_id,
        )

    @strawberry.field(description="The account whose events it receives.")
    async def account(self, info: Info) -> AccountNode | None:
        account = await info.context.loaders.accounts.load(self.account_id)
        return AccountNode.from_model(account) if account else None

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookEndpointNode | None]:
        """Only the caller's account's endpoints resolve (any for staff); a foreign id answers like a missing one."""
        caller = info.context.caller
        return await resolve_int_nodes(node_ids, lambda keys: endpoints_by_id(caller, keys), cls.from_model)


@strawberry.type(name="WebhookAttempt", description="One try of a delivery.")
class WebhookAttemptType:
    attempted_at: datetime = strawberry.field(description="When the try began (UTC).")
    status_code: int | None = strawberry.field(description="The HTTP status answered; null when there was no answer.")
    error: str | None = strawberry.field(
        description="Why the try failed (no answer, a refused destination, a redirect, an excerpt of an error "
        "answer); null when it succeeded."
    )
    duration_ms: int = strawberry.field(description="How long the try took, in milliseconds.")

    @classmethod
    def from_model(cls, row: WebhookAttempt) -> WebhookAttemptType:
        return cls(attempted_at=row.attempted_at, status_code=row.status_code, error=row.error,
                   duration_ms=row.duration_ms)


@readable_by(WEBHOOK_READ_SCOPES)
@strawberry.type(
    name="WebhookDelivery",
    description="One message to one endpoint (an event, or a test) and its tries. Read with billing:read, "
    "billing:write or admin.",
)
class WebhookDeliveryNode(relay.Node):
    id: relay.NodeID[int]
    message_id: str = strawberry.field(
        description="The `webhook-id` header: the same on every try and redelivery (receivers de-duplicate by it)."
    )
    event_type: str = strawberry.field(description="The payload's `type`: `invoice.issued`, …, or `webhook.test`.")
    status: DeliveryStatus = strawberry.field(description="Where the delivery stands.")
    payload: JSON = strawberry.field(description="The JSON body posted.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried next (UTC); null unless PENDING."
    )
    delivered_at: datetime | None = strawberry.field(description="When a try last succeeded (UTC).")
    last_status_code: int | None = strawberry.field(description="The HTTP status of the last try, if it had one.")
    last_error: str | None = strawberry.field(description="Why the last try failed; null if it succeeded.")
    created_at: datetime = strawberry.field(description="When the delivery was queued (UTC).")
    attempts: list[WebhookAttemptType] = strawberry.field(
        description=f"Its latest tries (at most {LATEST_ATTEMPTS}), newest first."
    )

    @classmethod
    def from_model(cls, row: WebhookDelivery, attempts: Sequence[WebhookAttempt]) -> WebhookDeliveryNode:
        pending = row.status is DeliveryStatus.PENDING
        return cls(
            id=row.id, message_id=row.message_id, event_type=row.event_type, status=row.status, payload=row.payload,
            next_attempt_at=row.next_attempt_at if pending else None, delivered_at=row.delivered_at,
            last_status_code=row.last_status_code, last_error=row.last_error, created_at=row.created_at,
            attempts=[WebhookAttemptType.from_model(attempt) for attempt in attempts],
        )

    @classmethod
    async def from_models(cls, rows: Sequence[WebhookDelivery]) -> list[WebhookDeliveryNode]:
        """Nodes of ``rows`` (which the caller may read), their tries read in one query."""
        tries = await attempts_of([row.id for row in rows], latest=LATEST_ATTEMPTS)
        return [cls.from_model(row, tries[row.id]) for row in rows]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookDeliveryNode | None]:
        """Only the caller's account's deliveries resolve (any for staff); a foreign id answers like a missing one."""
        caller = info.context.caller

        async def fetch(keys: list[int]) -> dict[int, WebhookDeliveryNode]:
            rows = await deliveries_by_id(caller, keys)
            return {node.id: node for node in await cls.from_models(list(rows.values()))}

        return await resolve_int_nodes(node_ids, fetch, lambda node: node)
