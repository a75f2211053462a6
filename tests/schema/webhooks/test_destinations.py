"""In production, createWebhookEndpoint refuses every destination that is not public: the
host is resolved (by a stub here: no network) and every address checked, answering a field
error on ``url``; nothing is created and no request leaves."""

from __future__ import annotations

from typing import Any

import pytest

from models.accounts import Account
from models.webhooks import WebhookEndpoint
from tests.schema.webhooks.documents import OWNER_SCOPES, create


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://10.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://100.64.0.7/hooks",
        "https://internal.partner.example/hooks",  # the stub resolves it to 127.0.0.1
        "https://intranet.partner.example/hooks",  # one of its addresses is private
        "http://hooks.partner.example/hooks",  # production: https only
    ],
)
async def test_production_refuses_destinations_that_are_not_public(
    production_gql: Any, token_for: Any, account: Account, url: str
) -> None:
    owner = await token_for("owner", OWNER_SCOPES)
    created = await create(production_gql, owner, url)
    assert [(e["field"], e["code"]) for e in created["errors"]] == [("url", "DESTINATION_NOT_ALLOWED")], created
    assert created["endpoint"] is None and created["secret"] is None
    assert not await WebhookEndpoint.exists()


async def test_production_accepts_a_public_https_destination(
    production_gql: Any, token_for: Any, account: Account
) -> None:
    owner = await token_for("owner", OWNER_SCOPES)
    created = await create(production_gql, owner, "https://hooks.partner.example/hooks")
    assert created["errors"] == [] and created["endpoint"]["url"] == "https://hooks.partner.example/hooks"
    unknown = await create(production_gql, owner, "https://nowhere.partner.example/hooks")
    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("url", "INVALID")]
    assert "does not resolve" in unknown["errors"][0]["message"]
