"""The GraphQL documents the webhook tests send, and small helpers around them."""

from __future__ import annotations

from typing import Any

ENDPOINT_FIELDS = (
    "id url description events enabled disabledAt disabledReason consecutiveFailures previousSecretExpiresAt "
    "createdBy account { id }"
)
ERRORS = "errors { code field message }"

CREATE = (
    "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) "
    f"{{ secret endpoint {{ {ENDPOINT_FIELDS} }} {ERRORS} }} }}"
)
ENDPOINTS = (
    "query($accountId: ID, $first: Int, $after: String) { webhookEndpoints(accountId: $accountId, first: $first, "
    f"after: $after) {{ edges {{ node {{ {ENDPOINT_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
DELIVERY_FIELDS = (
    "id messageId eventType status payload nextAttemptAt deliveredAt lastStatusCode lastError createdAt "
    "attempts { attemptedAt statusCode error durationMs }"
)
DELIVERIES = (
    "query($id: ID!, $first: Int, $after: String) { webhookDeliveries(endpointId: $id, first: $first, after: $after) "
    f"{{ edges {{ cursor node {{ {DELIVERY_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"


def endpoint_mutation(name: str, input_type: str) -> str:
    extra = " secret" if name == "rotateWebhookEndpointSecret" else ""
    return (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ endpoint {{ {ENDPOINT_FIELDS} }}{extra} "
        f"{ERRORS} }} }}"
    )


DISABLE = endpoint_mutation("disableWebhookEndpoint", "DisableWebhookEndpointInput")
ENABLE = endpoint_mutation("enableWebhookEndpoint", "EnableWebhookEndpointInput")
ROTATE = endpoint_mutation("rotateWebhookEndpointSecret", "RotateWebhookEndpointSecretInput")
SEND_TEST = (
    "mutation($input: SendWebhookTestEventInput!) { sendWebhookTestEvent(input: $input) "
    f"{{ delivery {{ {DELIVERY_FIELDS} }} {ERRORS} }} }}"
)
REDELIVER = (
    "mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) "
    f"{{ delivery {{ {DELIVERY_FIELDS} }} {ERRORS} }} }}"
)

OWNER_SCOPES = "billing:read billing:write"


def data(body: dict[str, Any], name: str) -> Any:
    """``body.data.<name>``, after checking there is no GraphQL error."""
    assert "errors" not in body, body
    return body["data"][name]


def codes(body: dict[str, Any]) -> list[str]:
    """The ``extensions.code`` of each GraphQL error."""
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def create(gql: Any, token: str, url: str, events: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    variables = {"input": {"url": url, "events": events or ["INVOICE_ISSUED", "INVOICE_PAID"], **extra}}
    result: dict[str, Any] = data(await gql(CREATE, token, variables), "createWebhookEndpoint")
    return result
