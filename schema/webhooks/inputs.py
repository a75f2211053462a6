"""Inputs of the webhook mutations."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.webhooks.enums import InvoiceEventType


@strawberry.input(description="A URL to post the account's invoice events to.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="Where events are posted: https:// (http:// and loopback hosts in development only), at most "
        "2000 characters, a host resolving only to public addresses, no user name, password or fragment."
    )
    events: list[InvoiceEventType] = strawberry.field(description="The event types to send, at least one.")
    description: str | None = strawberry.field(default=None, description="A note for people, at most 200 characters.")
    account_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Staff: the account the endpoint is for (owners always create for their own)."
    )


@strawberry.input(description="Stop sending to an endpoint.")
class DisableWebhookEndpointInput:
    endpoint_id: relay.GlobalID = strawberry.field(description="The endpoint's id.")


@strawberry.input(description="Send to a disabled endpoint again.")
class EnableWebhookEndpointInput:
    endpoint_id: relay.GlobalID = strawberry.field(description="The endpoint's id.")


@strawberry.input(description="Give an endpoint a new signing secret.")
class RotateWebhookEndpointSecretInput:
    endpoint_id: relay.GlobalID = strawberry.field(description="The endpoint's id.")


@strawberry.input(description="Send a `webhook.test` message to an endpoint.")
class SendWebhookTestEventInput:
    endpoint_id: relay.GlobalID = strawberry.field(description="The endpoint's id.")


@strawberry.input(description="Send a delivery again, with its message id.")
class RedeliverWebhookInput:
    delivery_id: relay.GlobalID = strawberry.field(description="The delivery's id.")
