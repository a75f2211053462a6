"""Who may read and manage webhooks: owners (billing:write) and staff manage; billing:read
members read; another account's owner sees nothing of yours and changes nothing; a viewer,
a billing admin or a partner client creates nothing."""

from __future__ import annotations

from typing import Any

import pytest

from models.accounts import Account
from models.webhooks import WebhookDelivery, WebhookEndpoint
from schema.ids import global_id
from tests.schema.webhooks.documents import (
    CREATE,
    DELIVERIES,
    DISABLE,
    ENABLE,
    ENDPOINTS,
    NODE,
    OWNER_SCOPES,
    REDELIVER,
    ROTATE,
    SEND_TEST,
    codes,
    create,
    data,
)

HOOK = "http://127.0.0.1:9/hooks"


async def _endpoint_and_delivery(gql: Any, token_for: Any) -> tuple[str, str, str]:
    """An endpoint of ``account`` with one (test) delivery: their ids, and the owner's token."""
    owner = await token_for("owner", OWNER_SCOPES)
    endpoint_id = (await create(gql, owner, HOOK))["endpoint"]["id"]
    sent = data(await gql(SEND_TEST, owner, {"input": {"endpointId": endpoint_id}}), "sendWebhookTestEvent")
    assert sent["errors"] == []
    return endpoint_id, sent["delivery"]["id"], owner


async def test_another_accounts_owner_sees_and_changes_nothing(
    gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    endpoint_id, delivery_id, _ = await _endpoint_and_delivery(gql, token_for)
    intruder = await token_for("intruder", OWNER_SCOPES)

    assert data(await gql(ENDPOINTS, intruder), "webhookEndpoints")["edges"] == []
    assert data(await gql(DELIVERIES, intruder, {"id": endpoint_id}), "webhookDeliveries")["edges"] == []
    for gid in (endpoint_id, delivery_id):
        assert data(await gql(NODE, intruder, {"id": gid}), "node") is None
    for document, name in ((DISABLE, "disableWebhookEndpoint"), (ENABLE, "enableWebhookEndpoint"),
                           (ROTATE, "rotateWebhookEndpointSecret"), (SEND_TEST, "sendWebhookTestEvent")):
        answer = data(await gql(document, intruder, {"input": {"endpointId": endpoint_id}}), name)
        assert [(e["field"], e["code"]) for e in answer["errors"]] == [("endpointId", "NOT_FOUND")], name
    redelivered = data(await gql(REDELIVER, intruder, {"input": {"deliveryId": delivery_id}}), "redeliverWebhook")
    assert [(e["field"], e["code"]) for e in redelivered["errors"]] == [("deliveryId", "NOT_FOUND")]
    # ... exactly as for ids that name nothing (or the wrong type)
    missing = data(await gql(REDELIVER, intruder, {"input": {"deliveryId": endpoint_id}}), "redeliverWebhook")
    assert missing["errors"] == redelivered["errors"]

    row = await WebhookEndpoint.get(account_id=account.id)
    assert row.disabled_at is None and row.previous_secret is None
    assert await WebhookDelivery.filter(endpoint_id=row.id).count() == 1
    theirs = await create(gql, intruder, HOOK, accountId=global_id("Account", account.id))
    assert [(e["field"], e["code"]) for e in theirs["errors"]] == [("accountId", "NOT_FOUND")]
    assert await WebhookEndpoint.all().count() == 1


@pytest.mark.parametrize(
    ("subject", "scopes"),
    [
        ("viewer", "billing:read billing:write"),  # the VIEWER role, whatever the token's scopes
        ("billing", "billing:read billing:write"),  # BILLING_ADMIN changes billing settings, not webhooks
        ("owner", "billing:read"),  # an owner whose token cannot write
    ],
)
async def test_members_who_are_not_writing_owners_cannot_manage(
    gql: Any, token_for: Any, account: Account, subject: str, scopes: str
) -> None:
    endpoint_id, delivery_id, _ = await _endpoint_and_delivery(gql, token_for)
    token = await token_for(subject, scopes)
    body = await gql(CREATE, token, {"input": {"url": HOOK, "events": ["INVOICE_PAID"]}})
    assert codes(body) == ["FORBIDDEN"] and body["data"] is None
    for document in (DISABLE, ROTATE, SEND_TEST):
        assert codes(await gql(document, token, {"input": {"endpointId": endpoint_id}})) == ["FORBIDDEN"]
    assert codes(await gql(REDELIVER, token, {"input": {"deliveryId": delivery_id}})) == ["FORBIDDEN"]
    # they still read them
    assert [e["node"]["id"] for e in data(await gql(ENDPOINTS, token), "webhookEndpoints")["edges"]] == [endpoint_id]
    deliveries = data(await gql(DELIVERIES, token, {"id": endpoint_id}), "webhookDeliveries")
    assert [e["node"]["id"] for e in deliveries["edges"]] == [delivery_id]
    assert await WebhookEndpoint.filter(account_id=account.id).count() == 1


async def test_a_partner_client_neither_creates_nor_reads_webhooks(
    gql: Any, token_for: Any, account: Account, partner_token: str
) -> None:
    endpoint_id, delivery_id, _ = await _endpoint_and_delivery(gql, token_for)
    body = await gql(CREATE, partner_token, {"input": {"url": HOOK, "events": ["INVOICE_PAID"]}})
    assert codes(body) == ["FORBIDDEN"]
    assert codes(await gql(ENDPOINTS, partner_token)) == ["FORBIDDEN"]
    assert codes(await gql(DELIVERIES, partner_token, {"id": endpoint_id})) == ["FORBIDDEN"]
    for gid in (endpoint_id, delivery_id):
        assert data(await gql(NODE, partner_token, {"id": gid}), "node") is None


async def test_staff_manage_any_accounts_endpoints(gql: Any, token_for: Any, account: Account) -> None:
    endpoint_id, delivery_id, _ = await _endpoint_and_delivery(gql, token_for)
    staff = await token_for("staff-1", "admin")
    disabled = data(await gql(DISABLE, staff, {"input": {"endpointId": endpoint_id}}), "disableWebhookEndpoint")
    assert disabled["errors"] == [] and disabled["endpoint"]["enabled"] is False
    refused = data(await gql(REDELIVER, staff, {"input": {"deliveryId": delivery_id}}), "redeliverWebhook")
    assert [e["code"] for e in refused["errors"]] == ["NOT_ALLOWED"]  # the endpoint is disabled
    assert [e["node"]["id"] for e in data(await gql(ENDPOINTS, staff), "webhookEndpoints")["edges"]] == [endpoint_id]
