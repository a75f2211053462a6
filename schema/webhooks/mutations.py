"""Webhook mutations (mixed into the root ``Mutation``). Each reads its input, calls one
use case and maps the result. All need billing:write and the OWNER role, or admin."""

from __future__ import annotations

import strawberry

from billing.access.caller import SCOPE_ADMIN, SCOPE_BILLING_WRITE
from billing.webhooks.deliveries import redeliver, send_test_event
from billing.webhooks.endpoints import create_endpoint, disable_endpoint, enable_endpoint, rotate_secret
from schema.context import Info
from schema.errors import run_use_case
from schema.ids import account_of, pk_of
from schema.permissions import requires
from schema.webhooks.destinations import destinations
from schema.webhooks.inputs import (
    CreateWebhookEndpointInput,
    DisableWebhookEndpointInput,
    EnableWebhookEndpointInput,
    RedeliverWebhookInput,
    RotateWebhookEndpointSecretInput,
    SendWebhookTestEventInput,
)
from schema.webhooks.payloads import (
    CreateWebhookEndpointPayload,
    DisableWebhookEndpointPayload,
    EnableWebhookEndpointPayload,
    RedeliverWebhookPayload,
    RotateWebhookEndpointSecretPayload,
    SendWebhookTestEventPayload,
)
from schema.webhooks.types import WebhookDeliveryNode, WebhookEndpointNode

ENDPOINT = "WebhookEndpoint"


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Register a URL for the account's invoice events; answers its secret, this once. Needs "
        "billing:write and the OWNER role, or admin (naming `accountId`).",
        extensions=[requires(SCOPE_BILLING_WRITE, SCOPE_ADMIN)],
    )
    async def create_webhook_endpoint(self, info: Info, input: CreateWebhookEndpointInput) -> CreateWebhookEndpointPayload:
        created, errors = await run_use_case(
            create_endpoint(
                info.context.caller, destinations(info), url=input.url, events=input.events,
                description=input.description, account_id=account_of(input.account_id),
            )
        )
        endpoint = created and WebhookEndpointNode.from_model(created.endpoint)
        return CreateWebhookEndpointPayload(endpoint=endpoint, secret=created and created.secret, errors=errors)

    @strawberry.mutation(
        description="Stop posting to an endpoint (what is pending waits). Needs billing:write and the OWNER role, "
        "or admin.",
        extensions=[requires(SCOPE_BILLING_WRITE, SCOPE_ADMIN)],
    )
    async def disable_webhook_endpoint(
        self, info: Info, input: DisableWebhookEndpointInput
    ) -> DisableWebhookEndpointPayload:
        row, errors = await run_use_case(disable_endpoint(info.context.caller, pk_of(input.endpoint_id, ENDPOINT)))
        return DisableWebhookEndpointPayload(endpoint=row and WebhookEndpointNode.from_model(row), errors=errors)

    @strawberry.mutation(
        description="Post to a disabled endpoint again, from a clean count of failures; what waited is sent. Needs "
        "billing:write and the OWNER role, or admin.",
        extensions=[requires(SCOPE_BILLING_WRITE, SCOPE_ADMIN)],
    )
    async def enable_webhook_endpoint(self, info: Info, input: EnableWebhookEndpointInput) -> EnableWebhookEndpointPayload:
        row, errors = await run_use_case(enable_endpoint(info.context.caller, pk_of(input.endpoint_id, ENDPOINT)))
        return EnableWebhookEndpointPayload(endpoint=row and WebhookEndpointNode.from_model(row), errors=errors)

    @strawberry.mutation(
        description="Give an endpoint a new secret, answered this once; the previous one signs beside it for 24 "
        "hours. Needs billing:write and the OWNER role, or admin.",
        extensions=[requires(SCOPE_BILLING_WRITE, SCOPE_ADMIN)],
    )
    async def rotate_webhook_endpoint_secret(
        self, info: Info, input: RotateWebhookEndpointSecretInput
    ) -> RotateWebhookEndpointSecretPayload:
        rotated, errors = await run_use_case(rotate_secret(info.context.caller, pk_of(input.endpoint_id, ENDPOINT)))
        endpoint = rotated and WebhookEndpointNode.from_model(rotated.endpoint)
        return RotateWebhookEndpointSecretPayload(endpoint=endpoint, secret=rotated and rotated.secret, errors=errors)

    @strawberry.mutation(
        description="Queue a `webhook.test` message to an enabled endpoint (no event is recorded). Needs "
        "billing:write and the OWNER role, or admin.",
        extensions=[requires(SCOPE_BILLING_WRITE, SCOPE_ADMIN)],
    )
    async def send_webhook_test_event(self, info: Info, input: SendWebhookTestEventInput) -> SendWebhookTestEventPayload:
        row, errors = await run_use_case(send_test_event(info.context.caller, pk_of(input.endpoint_id, ENDPOINT)))
        delivery = row and (await WebhookDeliveryNode.from_models([row]))[0]
        return SendWebhookTestEventPayload(delivery=delivery, errors=errors)

    @strawberry.mutation(
        description="Send a delivery again now, with the same message id, and retry it as a new one. Needs "
        "billing:write and the OWNER role, or admin.",
        extensions=[requires(SCOPE_BILLING_WRITE, SCOPE_ADMIN)],
    )
    async def redeliver_webhook(self, info: Info, input: RedeliverWebhookInput) -> RedeliverWebhookPayload:
        row, errors = await run_use_case(redeliver(info.context.caller, pk_of(input.delivery_id, "WebhookDelivery")))
        delivery = row and (await WebhookDeliveryNode.from_models([row]))[0]
        return RedeliverWebhookPayload(delivery=delivery, errors=errors)
