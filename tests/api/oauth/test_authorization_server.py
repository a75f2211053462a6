"""The embedded authorization server: client credentials, revocation, introspection."""

from __future__ import annotations

import httpx
import pytest

from api.oauth.store import create_client
from tests.conftest import ISSUER

VIEWER = "{ viewer { subject clientId scopes role account { name } } }"


@pytest.fixture
async def partner(account):
    client_id, secret = await create_client(account.id, "Accounting partner", ["invoices:read", "billing:read"])
    return client_id, secret


async def _token(client: httpx.AsyncClient, client_id: str, secret: str, **form: str) -> httpx.Response:
    return await client.post("/oauth/token", data={"grant_type": "client_credentials", **form}, auth=(client_id, secret))


async def test_partner_gets_token_with_basic_auth_and_reads_viewer(client, gql, partner, account):
    client_id, secret = partner
    response = await _token(client, client_id, secret, scope="invoices:read")
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"].lower() == "bearer" and token["expires_in"] == 900
    assert token["scope"] == "invoices:read"
    body = await gql(VIEWER, token["access_token"])
    assert body["data"]["viewer"] == {
        "subject": client_id,
        "clientId": client_id,
        "scopes": ["invoices:read"],
        "role": None,
        "account": {"name": account.name},
    }


async def test_partner_authenticates_with_form_body(client, partner):
    client_id, secret = partner
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.text


async def test_no_scope_requested_gives_the_clients_default_scopes(client, partner):
    response = await _token(client, *partner)
    assert sorted(response.json()["scope"].split()) == ["billing:read", "invoices:read"]


async def test_wrong_secret_is_invalid_client(client, partner):
    response = await _token(client, partner[0], "wrong-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_unknown_client_is_invalid_client(client, partner):
    response = await _token(client, "cli_unknown", partner[1])
    assert response.json()["error"] == "invalid_client"


async def test_scope_the_client_was_not_given_is_invalid_scope(client, partner):
    response = await _token(client, *partner, scope="invoices:read billing:write")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_unsupported_grant_type_is_refused(client, partner):
    response = await client.post("/oauth/token", data={"grant_type": "password"}, auth=partner)
    assert response.json()["error"] == "unsupported_grant_type"


async def test_revoked_token_is_inactive_at_introspection_and_refused_by_api(client, gql, partner):
    client_id, secret = partner
    access_token = (await _token(client, client_id, secret)).json()["access_token"]

    active = await client.post("/oauth/introspect", data={"token": access_token}, auth=partner)
    assert active.json()["active"] is True
    assert active.json()["client_id"] == client_id

    revoked = await client.post("/oauth/revoke", data={"token": access_token}, auth=partner)
    assert revoked.status_code == 200

    inactive = await client.post("/oauth/introspect", data={"token": access_token}, auth=partner)
    assert inactive.json() == {"active": False}
    response = await gql.post(VIEWER, access_token)
    assert response.status_code == 401
    assert "revoked" in response.headers["www-authenticate"]


async def test_a_client_cannot_introspect_another_clients_token(client, partner, account):
    other = await create_client(account.id, "Other partner", ["invoices:read"])
    access_token = (await _token(client, *partner)).json()["access_token"]
    response = await client.post("/oauth/introspect", data={"token": access_token}, auth=other)
    assert response.json() == {"active": False}


async def test_client_secret_is_stored_hashed(partner):
    from models.oauth import OAuthClient

    client_id, secret = partner
    row = await OAuthClient.get(client_id=client_id)
    assert secret not in row.secret_hash and row.secret_hash.startswith("scrypt$")


async def test_metadata_and_jwks_are_published(client, signing_key):
    metadata = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["issuer"] == ISSUER
    assert metadata["token_endpoint"] == f"{ISSUER}/oauth/token"
    jwks = (await client.get("/oauth/jwks")).json()
    assert [key["kid"] for key in jwks["keys"]] == [signing_key.kid]
    assert all("d" not in key for key in jwks["keys"]), "private key material must never be published"
