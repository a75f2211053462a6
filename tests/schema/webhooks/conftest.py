"""Fixtures of the webhook API tests: a production app whose destination checks use a
resolver stub (no network), and a partner client's token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from api.app import create_app
from api.oauth.keys import SigningKey
from api.oauth.store import create_client
from api.services import Services
from api.settings import Settings
from billing.access.caller import SCOPE_INVOICES_READ
from billing.webhooks.destinations import Destinations
from models.accounts import Account
from tests.conftest import ISSUER, GraphQLClient

RESOLVES = {
    "hooks.partner.example": ["93.184.216.34"],
    "internal.partner.example": ["127.0.0.1"],
    "intranet.partner.example": ["93.184.216.34", "10.20.30.40"],
}
"""What the stub resolver answers in production mode; other names resolve to nothing."""


async def stub_resolver(host: str) -> list[str]:
    return RESOLVES.get(host, [])


@pytest_asyncio.fixture
async def production_gql(settings: Settings, signing_key: SigningKey, db: Any) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client of an app running with ``PORTAL_ENV=production``."""
    services = Services.build(settings.model_copy(update={"env": "production"}), signing_key)
    app = create_app(services, manage_database=False)
    app.state.webhook_destinations = Destinations(production=True, resolver=stub_resolver)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
        yield GraphQLClient(http)
    await services.aclose()


@pytest_asyncio.fixture
async def partner_token(client: httpx.AsyncClient, account: Account) -> str:
    client_id, secret = await create_client(account.id, "ERP", [SCOPE_INVOICES_READ])
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
