"""Managing webhook endpoints over GraphQL: create (secret shown once), list, disable,
enable, rotate; inputs checked at the edge with field errors."""

from __future__ import annotations

from typing import Any

import pytest

from models.accounts import Account
from models.webhooks import WebhookEndpoint
from schema.ids import global_id
from tests.schema.webhooks.documents import (
    CREATE,
    DISABLE,
    ENABLE,
    ENDPOINTS,
    OWNER_SCOPES,
    ROTATE,
    create,
    data,
)

HOOK = "http://127.0.0.1:9/hooks"


async def test_an_owner_creates_an_endpoint_and_sees_its_secret_once(gql: Any, token_for: Any, account: Account) -> None:
    owner = await token_for("owner", OWNER_SCOPES)
    created = await create(gql, owner, HOOK, ["INVOICE_PAID", "INVOICE_ISSUED", "INVOICE_PAID"], description=" ERP ")
    assert created["errors"] == []
    assert created["secret"].startswith("whsec_") and len(created["secret"]) >= 6 + 32
    endpoint = created["endpoint"]
    assert endpoint["url"] == HOOK and endpoint["description"] == "ERP"
    assert endpoint["events"] == ["INVOICE_ISSUED", "INVOICE_PAID"]
    assert endpoint["enabled"] is True and endpoint["consecutiveFailures"] == 0
    assert endpoint["account"] == {"id": global_id("Account", account.id)} and endpoint["createdBy"] == "owner"

    listed = data(await gql(ENDPOINTS, owner), "webhookEndpoints")
    assert [edge["node"] for edge in listed["edges"]] == [endpoint]
    reader = await token_for("viewer", "billing:read")
    assert [e["node"]["id"] for e in data(await gql(ENDPOINTS, reader), "webhookEndpoints")["edges"]] == [
        endpoint["id"]
    ]
    row = await WebhookEndpoint.get(account_id=account.id)
    assert row.secret == created["secret"]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("", "REQUIRED"),
        ("http://127.0.0.1/" + "x" * 2000, "TOO_LONG"),
        ("ftp://127.0.0.1/hooks", "INVALID"),
        ("127.0.0.1/hooks", "INVALID"),
        ("http://user:secret@127.0.0.1/hooks", "INVALID"),
        ("http://127.0.0.1/hooks#part", "INVALID"),
        ("http://[::1/hooks", "INVALID"),
        ("http://127.0.0.1:70000/hooks", "INVALID"),
        ("http://10.0.0.1/hooks", "DESTINATION_NOT_ALLOWED"),  # development too refuses private addresses
        ("http://169.254.169.254/latest/meta-data/", "DESTINATION_NOT_ALLOWED"),
    ],
)
async def test_a_bad_url_is_a_field_error_on_url(gql: Any, token_for: Any, account: Account, url: str,
                                                code: str) -> None:
    owner = await token_for("owner", OWNER_SCOPES)
    created = await create(gql, owner, url)
    assert [(e["field"], e["code"]) for e in created["errors"]] == [("url", code)], created["errors"]
    assert created["endpoint"] is None and created["secret"] is None
    assert not await WebhookEndpoint.exists()


async def test_every_bad_field_is_named_at_once(gql: Any, token_for: Any, account: Account) -> None:
    owner = await token_for("owner", OWNER_SCOPES)
    body = await gql(CREATE, owner, {"input": {"url": "gopher://x", "events": [], "description": "d" * 201}})
    errors = data(body, "createWebhookEndpoint")["errors"]
    assert sorted((e["field"], e["code"]) for e in errors) == [
        ("description", "TOO_LONG"), ("events", "REQUIRED"), ("url", "INVALID")
    ]


async def test_disable_enable_and_rotate(gql: Any, token_for: Any, account: Account) -> None:
    owner = await token_for("owner", OWNER_SCOPES)
    created = await create(gql, owner, HOOK)
    endpoint_id = created["endpoint"]["id"]
    await WebhookEndpoint.filter(account_id=account.id).update(consecutive_failures=7)

    disabled = data(await gql(DISABLE, owner, {"input": {"endpointId": endpoint_id}}), "disableWebhookEndpoint")
    assert disabled["errors"] == [] and disabled["endpoint"]["enabled"] is False
    assert disabled["endpoint"]["disabledReason"] == "Disabled by owner."
    enabled = data(await gql(ENABLE, owner, {"input": {"endpointId": endpoint_id}}), "enableWebhookEndpoint")
    assert enabled["endpoint"]["enabled"] is True and enabled["endpoint"]["disabledAt"] is None
    assert enabled["endpoint"]["consecutiveFailures"] == 0  # enabling resets the count

    rotated = data(await gql(ROTATE, owner, {"input": {"endpointId": endpoint_id}}), "rotateWebhookEndpointSecret")
    assert rotated["errors"] == [] and rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    assert rotated["endpoint"]["previousSecretExpiresAt"] is not None
    row = await WebhookEndpoint.get(account_id=account.id)
    assert (row.secret, row.previous_secret) == (rotated["secret"], created["secret"])


async def test_staff_create_for_the_account_they_name(gql: Any, token_for: Any, account: Account) -> None:
    staff = await token_for("staff-1", "admin")
    missing = await create(gql, staff, HOOK)
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("accountId", "REQUIRED")]
    created = await create(gql, staff, HOOK, accountId=global_id("Account", account.id))
    assert created["errors"] == [] and created["endpoint"]["account"] == {"id": global_id("Account", account.id)}
    nobody = await create(gql, staff, HOOK, accountId=global_id("Account", "00000000-0000-0000-0000-000000000001"))
    assert [(e["field"], e["code"]) for e in nobody["errors"]] == [("accountId", "NOT_FOUND")]
    listed = data(await gql(ENDPOINTS, staff, {"accountId": global_id("Account", account.id)}), "webhookEndpoints")
    assert [e["node"]["id"] for e in listed["edges"]] == [created["endpoint"]["id"]]


async def test_an_account_has_at_most_twenty_endpoints(gql: Any, token_for: Any, account: Account) -> None:
    owner = await token_for("owner", OWNER_SCOPES)
    for _ in range(20):
        assert (await create(gql, owner, HOOK))["errors"] == []
    refused = await create(gql, owner, HOOK)
    assert [e["code"] for e in refused["errors"]] == ["NOT_ALLOWED"]
    page = data(await gql(ENDPOINTS, owner, {"first": 15}), "webhookEndpoints")
    rest = data(await gql(ENDPOINTS, owner, {"first": 15, "after": page["pageInfo"]["endCursor"]}), "webhookEndpoints")
    assert len(page["edges"]) == 15 and page["pageInfo"]["hasNextPage"] is True
    assert len(rest["edges"]) == 5 and rest["pageInfo"]["hasNextPage"] is False
