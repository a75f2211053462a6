"""Refresh tokens of public clients: rotation, reuse detection, expiry, narrowing,
revocation (RFC 6749 section 6, RFC 9700 4.14.2, RFC 7009)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.oauth.store import create_public_client
from models.oauth import RefreshToken
from tests.api.oauth import test_authorization_code as flow
from tests.api.oauth.test_authorization_code import APP, VIEWER, tokens_for
from tests.conftest import ISSUER

app_client, owner = flow.app_client, flow.owner  # the fixtures, shared with the flow tests
pytestmark = pytest.mark.usefixtures("app_client", "owner")


async def refresh(client: httpx.AsyncClient, token: str, client_id: str = APP, **form: str) -> httpx.Response:
    return await client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id, **form}
    )


async def test_each_refresh_rotates_the_refresh_token_in_the_same_family(client):
    first = await tokens_for(client)
    second = (await refresh(client, first["refresh_token"])).json()
    third = (await refresh(client, second["refresh_token"])).json()
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    rows = await RefreshToken.all().order_by("id")
    assert len({row.family for row in rows}) == 1
    assert [row.used_at is not None for row in rows] == [True, True, False]
    assert all(first["refresh_token"] not in row.token_hash for row in rows)


async def test_a_reused_refresh_token_revokes_the_whole_family(client, gql):
    first = await tokens_for(client)
    newest = (await refresh(client, first["refresh_token"])).json()
    replay = await refresh(client, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert (await refresh(client, newest["refresh_token"])).json()["error"] == "invalid_grant"
    assert (await gql.post(VIEWER, newest["access_token"])).status_code == 401


async def test_an_idle_refresh_token_expires(client):
    first = await tokens_for(client)
    await RefreshToken.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await refresh(client, first["refresh_token"])).json()["error"] == "invalid_grant"


async def test_a_new_refresh_token_never_outlives_its_family(client, settings):
    first = await tokens_for(client)
    await refresh(client, first["refresh_token"])
    newest = await RefreshToken.all().order_by("-id").first()
    assert newest.expires_at <= newest.family_started_at + timedelta(seconds=settings.refresh_token_ttl_seconds)
    assert newest.expires_at <= newest.issued_at + timedelta(seconds=settings.refresh_token_idle_seconds)


async def test_scope_may_only_narrow_and_a_refused_widening_does_not_use_the_token(client):
    first = await tokens_for(client)
    wider = await refresh(client, first["refresh_token"], scope="billing:read billing:write")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    narrowed = await refresh(client, first["refresh_token"], scope="billing:read")
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["scope"] == "billing:read"


async def test_another_client_cannot_use_the_refresh_token(client):
    first = await tokens_for(client)
    await create_public_client("Other", ["https://other.example/cb"], ["billing:read"], development=False, issuer=ISSUER, client_id="other-app")
    assert (await refresh(client, first["refresh_token"], client_id="other-app")).json()["error"] == "invalid_grant"
    assert (await refresh(client, first["refresh_token"])).status_code == 200


async def test_revoking_a_refresh_token_revokes_its_family(client, gql):
    first = await tokens_for(client)
    revoked = await client.post("/oauth/revoke", data={
        "token": first["refresh_token"], "token_type_hint": "refresh_token", "client_id": APP,
    })
    assert revoked.status_code == 200, revoked.text
    assert (await refresh(client, first["refresh_token"])).json()["error"] == "invalid_grant"
    assert (await gql.post(VIEWER, first["access_token"])).status_code == 401


async def test_a_public_client_revokes_its_access_token_by_client_id(client, gql):
    first = await tokens_for(client)
    revoked = await client.post("/oauth/revoke", data={"token": first["access_token"], "client_id": APP})
    assert revoked.status_code == 200
    assert (await gql.post(VIEWER, first["access_token"])).status_code == 401


async def test_a_public_client_cannot_introspect(client):
    first = await tokens_for(client)
    response = await client.post("/oauth/introspect", data={"token": first["access_token"], "client_id": APP})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


class TestShortFamilies:
    @pytest.fixture
    def settings(self, settings):
        return settings.model_copy(update={"refresh_token_ttl_seconds": 0})

    async def test_a_family_past_its_lifetime_cannot_refresh(self, client):
        first = await tokens_for(client)
        assert (await refresh(client, first["refresh_token"])).json()["error"] == "invalid_grant"
