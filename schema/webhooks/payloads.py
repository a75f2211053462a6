"""Mutation payloads: the changed object and the expected failures."""

from __future__ import annotations

import strawberry

from schema.errors import Payload
from schema.webhooks.types import WebhookDeliveryNode, WebhookEndpointNode


@strawberry.type(description="The result of createWebhookEndpoint.")
class CreateWebhookEndpointPayload(Payload):
    endpoint: WebhookEndpointNode | None = strawberry.field(description="The new endpoint.")
    secret: str | None = strawberry.field(
        description="Its signing secret (`whsec_…`), shown this once: store it to verify `webhook-signature`."
    )


@strawberry.type(description="The result of rotateWebhookEndpointSecret.")
class RotateWebhookEndpointSecretPayload(Payload):
    endpoint: WebhookEndpointNode | None = strawberry.field(description="The endpoint.")
    secret: str | None = strawberry.field(
        description="The new signing secret, shown this once. The previous one also signs until "
        "`endpoint.previousSecretExpiresAt` (24 hours)."
    )


@strawberry.type(description="The result of disableWebhookEndpoint.")
class DisableWebhookEndpointPayload(Payload):
    endpoint: WebhookEndpointNode | None = strawberry.field(description="The disabled endpoint.")


@strawberry.type(description="The result of enableWebhookEndpoint.")
class EnableWebhookEndpointPayload(Payload):
    endpoint: WebhookEndpointNode | None = strawberry.field(description="The enabled endpoint.")


@strawberry.type(description="The result of sendWebhookTestEvent.")
class SendWebhookTestEventPayload(Payload):
    delivery: WebhookDeliveryNode | None = strawberry.field(description="The queued test delivery.")


@strawberry.type(description="The result of redeliverWebhook.")
class RedeliverWebhookPayload(Payload):
    delivery: WebhookDeliveryNode | None = strawberry.field(description="The delivery, due again now.")
