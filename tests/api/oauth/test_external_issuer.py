"""Tokens from a trusted external issuer, whose keys are found by discovery.

The external issuer is a second instance of this service with its own key and
issuer URL, reached over HTTP through httpx's ASGI transport.
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc.jwk import RSAKey

from api.app import create_app
from api.oauth.jwks import IssuerKeys
from api.oauth.keys import generate_signing_key
from api.oauth.tokens import mint_access_token
from api.oauth.validation import MAX_CLAIM_LENGTH
from api.services import Services
from api.settings import TrustedIssuer
from billing.accounts import add_member
from models.accounts import Role
from tests.conftest import AUDIENCE, GraphQLClient
from tests.support import forge

IDP = "https://idp.test"


@pytest.fixture
def idp(settings):
    idp_settings = type(settings)(**{**settings.__dict__, "issuer": IDP})
    return Services.build(idp_settings, generate_signing_key())


@pytest.fixture
async def portal(settings, signing_key, idp, db, request):
    """This service, trusting ``IDP`` (by discovery, or by the JWKS URL given as the
    fixture's parameter); its requests to the issuer are counted."""
    fetched: list[str] = []

    async def count(request: httpx.Request) -> None:
        fetched.append(request.url.path)

    idp_http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(idp, manage_database=False)), event_hooks={"request": [count]}
    )
    trusting = type(settings)(**{**settings.__dict__, "trusted_issuers": (TrustedIssuer(IDP, getattr(request, "param", None)),)})
    services = Services.build(trusting, signing_key)
    services.issuer_keys = IssuerKeys(trusting.issuer, signing_key, trusting.trusted_issuers, http=idp_http)
    services.validator.issuer_keys = services.issuer_keys
    app = create_app(services, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=trusting.issuer) as http:
        yield GraphQLClient(http), fetched
    await idp_http.aclose()


async def test_token_of_trusted_issuer_is_accepted_through_discovery(portal, idp, account):
    gql, fetched = portal
    token = await mint_access_token(idp.authorization_server, "owner", ["billing:read"])
    body = await gql("{ viewer { subject role } }", token)
    assert body["data"]["viewer"] == {"subject": "owner", "role": "OWNER"}
    assert fetched == ["/.well-known/oauth-authorization-server", "/oauth/jwks"]


async def test_unknown_kid_refetches_keys_at_most_once_a_minute(portal, idp, account):
    gql, fetched = portal
    good = await mint_access_token(idp.authorization_server, "owner", ["billing:read"])
    assert (await gql.post("{ viewer { subject } }", good)).status_code == 200
    stranger = RSAKey.generate_key(2048, private=True, auto_kid=True)
    for _ in range(5):
        response = await gql.post("{ viewer { subject } }", forge.sign(stranger, forge.claims(IDP, AUDIENCE)))
        assert response.status_code == 401
        assert "signing key is unknown" in response.headers["www-authenticate"]
    assert fetched.count("/oauth/jwks") == 1, "an unknown kid within the minute must not refetch"


@pytest.mark.parametrize("portal", [f"{IDP}/oauth/jwks"], indirect=True)
async def test_an_explicit_jwks_url_skips_discovery(portal, idp, account):
    gql, fetched = portal
    token = await mint_access_token(idp.authorization_server, "owner", ["billing:read"])
    body = await gql("{ viewer { subject } }", token)
    assert body["data"]["viewer"] == {"subject": "owner"}
    assert fetched == ["/oauth/jwks"]


async def test_a_subject_as_long_as_the_service_stores_signs_in_and_a_longer_one_is_refused(portal, idp, account):
    gql, _ = portal
    longest = "s" * MAX_CLAIM_LENGTH
    await add_member(account.id, longest, Role.VIEWER)
    token = forge.sign(idp.signing_key, forge.claims(IDP, AUDIENCE, sub=longest))
    assert (await gql("{ viewer { subject } }", token))["data"]["viewer"]["subject"] == longest
    response = await gql.post("{ viewer { subject } }", forge.sign(idp.signing_key, forge.claims(IDP, AUDIENCE, sub=longest + "s")))
    assert response.status_code == 401
    assert "claim sub is longer than 255 characters" in response.headers["www-authenticate"]


async def test_a_client_id_with_a_control_character_is_refused(portal, idp, account):
    gql, _ = portal
    token = forge.sign(idp.signing_key, forge.claims(IDP, AUDIENCE, client_id="console\n"))
    response = await gql.post("{ viewer { subject } }", token)
    assert response.status_code == 401
    assert "claim client_id contains control characters" in response.headers["www-authenticate"]


_CLAIM_TEXT = st.one_of(
    st.sampled_from(["owner", "", " ", "\x00", "o\u202ewner", "owner\n"]),
    st.text(max_size=80),
    st.integers(min_value=MAX_CLAIM_LENGTH - 2, max_value=5_000).map(lambda n: "s" * n),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sub=_CLAIM_TEXT, jti=_CLAIM_TEXT, client_id=_CLAIM_TEXT, scope=st.sampled_from(["billing:read", "admin", ""]))
async def test_any_claim_text_from_a_trusted_issuer_is_answered_with_200_or_401(portal, idp, account, sub, jti, client_id,
                                                                                 scope):
    """Whatever a trusted issuer writes in ``sub``, ``jti`` and ``client_id`` (any length, any
    character), the answer is the viewer or a 401 challenge, never a server error."""
    gql, _ = portal
    token = forge.sign(idp.signing_key, forge.claims(IDP, AUDIENCE, sub=sub, jti=jti, client_id=client_id, scope=scope))
    response = await gql.post("{ viewer { subject } }", token)
    assert response.status_code in (200, 401), response.text
    if response.status_code == 401:
        assert response.headers["www-authenticate"].startswith("Bearer ")
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    else:
        assert response.json()["data"]["viewer"]["subject"] == sub
