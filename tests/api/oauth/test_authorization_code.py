"""The authorization code grant with PKCE for public clients (RFC 6749 4.1, RFC 7636,
OAuth 2.1, RFC 8252, RFC 9207), from the authorization request to GraphQL."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from authlib.oauth2.rfc9207 import AuthorizationServerMetadata as IssuerParameterMetadata

from api.oauth.store import create_client, create_public_client
from api.signin.passwords import Passwords
from api.signin.users import create_user
from models.oauth import AuthorizationCode
from tests.conftest import ISSUER

APP = "test-console"
REDIRECT = "https://console.example/callback"
LOOPBACK = "http://127.0.0.1:4000/cb"
PASSWORD = "correct horse battery staple"
VIEWER = "{ viewer { subject clientId scopes } }"


@pytest.fixture
async def app_client(db):
    return await create_public_client(
        "Test console", [REDIRECT, LOOPBACK], ["billing:read", "invoices:read"],
        development=False, issuer=ISSUER, client_id=APP,
    )


@pytest.fixture
async def owner(account):
    return await create_user("owner", "owner@acme.example", PASSWORD, Passwords(1))


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, create_s256_code_challenge(verifier)


def authorize_params(challenge: str, **changes: str | None) -> dict[str, str]:
    params = {
        "response_type": "code", "client_id": APP, "redirect_uri": REDIRECT, "scope": "billing:read",
        "state": "st-123", "code_challenge": challenge, "code_challenge_method": "S256",
    }
    params.update(changes)  # type: ignore[arg-type]
    return {k: v for k, v in params.items() if v is not None}


async def sign_in(client: httpx.AsyncClient, username: str = "owner", password: str = PASSWORD, next_path: str | None = None) -> httpx.Response:
    page = await client.get("/signin", params={"next": next_path} if next_path else None)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, page.text
    form = {"csrf_token": csrf.group(1), "username": username, "password": password}
    if next_path:
        form["next"] = next_path
    return await client.post("/signin", data=form)


def query_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


async def get_code(client: httpx.AsyncClient, challenge: str, **changes: str | None) -> str:
    response = await client.get("/oauth/authorize", params=authorize_params(challenge, **changes))
    return query_of(response)["code"]


async def exchange(client: httpx.AsyncClient, code: str, verifier: str, redirect_uri: str = REDIRECT) -> httpx.Response:
    return await client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": APP, "code_verifier": verifier,
    })


async def tokens_for(client: httpx.AsyncClient) -> dict[str, str]:
    """Sign in as ``owner`` and run the whole flow: the token response."""
    await sign_in(client)
    verifier, challenge = pkce()
    response = await exchange(client, await get_code(client, challenge), verifier)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_person_signs_in_and_the_app_reads_graphql_then_refreshes(client, gql, app_client, owner):
    verifier, challenge = pkce()
    first = await client.get("/oauth/authorize", params=authorize_params(challenge))
    assert first.status_code == 302
    location = urlsplit(first.headers["location"])
    assert location.path == "/signin" and not location.netloc
    next_path = parse_qs(location.query)["next"][0]
    assert next_path.startswith("/oauth/authorize?")

    signed_in = await sign_in(client, next_path=next_path)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == next_path

    back = query_of(await client.get(next_path))
    assert back["state"] == "st-123" and back["iss"] == ISSUER
    token = await exchange(client, back["code"], verifier)
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"].lower() == "bearer" and body["scope"] == "billing:read" and body["refresh_token"]
    assert token.headers["cache-control"] == "no-store"

    viewer = (await gql(VIEWER, body["access_token"]))["data"]["viewer"]
    assert viewer == {"subject": "owner", "clientId": APP, "scopes": ["billing:read"]}

    refreshed = await client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": APP,
    })
    assert refreshed.status_code == 200, refreshed.text
    pair = refreshed.json()
    assert pair["refresh_token"] != body["refresh_token"] and pair["access_token"] != body["access_token"]
    assert (await gql(VIEWER, pair["access_token"]))["data"]["viewer"]["subject"] == "owner"


async def test_a_reused_code_is_invalid_grant_and_revokes_what_it_issued(client, gql, app_client, owner):
    await sign_in(client)
    verifier, challenge = pkce()
    code = await get_code(client, challenge)
    first = (await exchange(client, code, verifier)).json()
    again = await exchange(client, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    refresh = await client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": APP,
    })
    assert refresh.json()["error"] == "invalid_grant"
    assert (await gql.post(VIEWER, first["access_token"])).status_code == 401


async def test_a_wrong_code_verifier_is_invalid_grant(client, app_client, owner):
    await sign_in(client)
    _, challenge = pkce()
    response = await exchange(client, await get_code(client, challenge), secrets.token_urlsafe(48))
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_a_token_request_without_code_verifier_is_invalid_request(client, app_client, owner):
    await sign_in(client)
    _, challenge = pkce()
    code = await get_code(client, challenge)
    response = await client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": APP,
    })
    assert response.json()["error"] == "invalid_request"


async def test_the_code_is_bound_to_its_redirect_uri(client, app_client, owner):
    await sign_in(client)
    verifier, challenge = pkce()
    response = await exchange(client, await get_code(client, challenge), verifier, redirect_uri=LOOPBACK)
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"state": None}, "invalid_request"),
        ({"scope": "billing:write"}, "invalid_scope"),
        ({"scope": "admin"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
async def test_errors_after_the_redirect_uri_is_validated_go_back_to_the_app(client, app_client, owner, changes, error):
    await sign_in(client)
    _, challenge = pkce()
    response = await client.get("/oauth/authorize", params=authorize_params(challenge, **changes))
    assert response.headers["location"].startswith(REDIRECT + "?")
    back = query_of(response)
    assert back["error"] == error and "code" not in back and back["iss"] == ISSUER
    if changes.get("state", "") is not None:
        assert back["state"] == "st-123"


@pytest.mark.parametrize(
    "changes",
    [
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": REDIRECT + "/more"},
        {"redirect_uri": REDIRECT + "?x=1"},
        {"redirect_uri": None},
        {"client_id": "cli_unknown"},
        {"client_id": None},
    ],
)
async def test_errors_before_the_redirect_uri_is_validated_are_a_page_not_a_redirect(client, app_client, owner, changes):
    await sign_in(client)
    _, challenge = pkce()
    response = await client.get("/oauth/authorize", params=authorize_params(challenge, **changes))
    assert response.status_code == 400 and "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "<script" not in response.text


async def test_a_confidential_client_cannot_use_the_authorization_endpoint(client, account, owner):
    client_id, _ = await create_client(account.id, "Partner", ["billing:read"])
    await sign_in(client)
    _, challenge = pkce()
    response = await client.get("/oauth/authorize", params=authorize_params(challenge, client_id=client_id))
    assert response.status_code == 400 and "location" not in response.headers


async def test_a_loopback_redirect_uri_matches_on_any_port(client, app_client, owner):
    await sign_in(client)
    verifier, challenge = pkce()
    redirect = "http://127.0.0.1:51234/cb"
    response = await client.get("/oauth/authorize", params=authorize_params(challenge, redirect_uri=redirect))
    assert response.headers["location"].startswith(redirect + "?")
    token = await exchange(client, query_of(response)["code"], verifier, redirect_uri=redirect)
    assert token.status_code == 200, token.text
    other_path = await client.get("/oauth/authorize", params=authorize_params(challenge, redirect_uri="http://127.0.0.1:51234/other"))
    assert other_path.status_code == 400


async def test_an_expired_code_is_invalid_grant(client, app_client, owner):
    await sign_in(client)
    verifier, challenge = pkce()
    code = await get_code(client, challenge)
    await AuthorizationCode.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    response = await exchange(client, code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_only_a_hash_of_the_code_is_stored_and_it_lives_the_configured_time(client, app_client, owner, settings):
    await sign_in(client)
    _, challenge = pkce()
    code = await get_code(client, challenge)
    row = await AuthorizationCode.get()
    assert code not in (row.code_hash, row.code_challenge) and len(row.code_hash) == 64
    assert row.expires_at - row.created_at <= timedelta(seconds=settings.authorization_code_ttl_seconds + 1)


async def test_a_public_client_never_uses_client_credentials(client, app_client):
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": APP})
    assert response.status_code in (400, 401) and response.json()["error"] in ("invalid_client", "unauthorized_client")


async def test_a_public_client_given_a_secret_is_invalid_client(client, app_client):
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(APP, "guess"))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_a_confidential_client_without_its_secret_is_invalid_client(client, account):
    client_id, _ = await create_client(account.id, "Partner", ["billing:read"])
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_metadata_announces_the_code_flow_and_validates_with_authlib(client):
    document = (await client.get("/.well-known/oauth-authorization-server")).json()
    AuthorizationServerMetadata(document).validate(metadata_classes=[IssuerParameterMetadata])
    assert document["authorization_endpoint"] == f"{ISSUER}/oauth/authorize"
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert set(document["grant_types_supported"]) == {"client_credentials", "authorization_code", "refresh_token"}
    assert "none" in document["token_endpoint_auth_methods_supported"]
    assert document["authorization_response_iss_parameter_supported"] is True
