"""An external OpenID Connect provider, as an operator would plug one in: the portal is
configured with ``PORTAL_TRUSTED_ISSUERS=<the provider's issuer>`` and finds its keys by
discovery; people are registered as members with the provider's ``sub``.

The provider (``tests.support.oidc_provider``) shares no code with this service's own
issuer and is served by uvicorn on a real loopback port; the portal fetches its discovery
document and keys over real HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from api.app import create_app
from api.services import Services
from api.settings import Settings
from billing.accounts import add_member
from models.accounts import Role
from schema.ids import global_id
from tests.conftest import AUDIENCE, ISSUER, GraphQLClient
from tests.support.oidc_provider import OidcProvider, running

ALICE = "auth0|6650f0c2e1a9"  # a subject as an IdP writes it, not a name this service chose
PASSWORD = "correct horse battery staple"
CONSOLE = "billing-console"


@pytest.fixture
def idp(request: pytest.FixtureRequest) -> Iterator[OidcProvider]:
    provider = OidcProvider(audience=AUDIENCE, trailing_slash=getattr(request, "param", False))
    with running(provider):
        yield provider


@pytest_asyncio.fixture
async def portal(settings: Settings, signing_key, idp: OidcProvider, db) -> AsyncIterator[GraphQLClient]:
    """This service with ``PORTAL_TRUSTED_ISSUERS`` naming the provider (no JWKS URL: discovery)."""
    trusted = Settings.from_env({"PORTAL_TRUSTED_ISSUERS": idp.issuer}).trusted_issuers
    services = Services.build(settings.model_copy(update={"trusted_issuers": trusted}), signing_key)
    app = create_app(services, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
        yield GraphQLClient(http)
    await services.aclose()


async def token_from(idp: OidcProvider, subject: str, scope: str = "billing:read", **form: str) -> str:
    """Sign in at the provider (over HTTP) and return its access token."""
    secret = idp.clients.get(CONSOLE) or idp.add_client(CONSOLE)
    idp.add_user(subject, PASSWORD)
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{idp.base_url}/token", auth=(CONSOLE, secret),
            data={"grant_type": "password", "username": subject, "password": PASSWORD, "scope": scope, **form},
        )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_a_registered_member_reads_the_viewer_with_the_providers_token(portal, idp, account):
    await add_member(account.id, ALICE, Role.BILLING_ADMIN)
    token = await token_from(idp, ALICE, "billing:read billing:write")
    body = await portal("{ viewer { subject clientId scopes role memberships { role account { id } } } }", token)
    assert body == {"data": {"viewer": {
        "subject": ALICE, "clientId": CONSOLE, "scopes": ["billing:read", "billing:write"], "role": "BILLING_ADMIN",
        "memberships": [{"role": "BILLING_ADMIN", "account": {"id": global_id("Account", account.id)}}],
    }}}
    # discovery: RFC 8414 first (the provider has none), then OpenID Connect, then the keys, once
    assert idp.served == ["/token", "/.well-known/openid-configuration", "/jwks"]
    assert (await portal("{ viewer { subject } }", token))["data"]["viewer"]["subject"] == ALICE
    assert idp.served.count("/jwks") == 1, "the keys are cached"


async def test_a_member_of_two_accounts_signs_in_and_chooses_one(portal, idp, account, other_account):
    await add_member(account.id, ALICE, Role.VIEWER)
    await add_member(other_account.id, ALICE, Role.OWNER)
    token = await token_from(idp, ALICE)
    unchosen = await portal("{ viewer { memberships { role } account { name } } }", token)
    assert unchosen["data"]["viewer"] == {"memberships": [{"role": "VIEWER"}, {"role": "OWNER"}], "account": None}
    assert unchosen["errors"][0]["extensions"]["code"] == "ACCOUNT_NOT_CHOSEN"
    chosen = await portal("{ viewer { role account { name } } }", token, X_Account_ID=global_id("Account", other_account.id))
    assert chosen == {"data": {"viewer": {"role": "OWNER", "account": {"name": "Other Corp"}}}}


async def test_a_subject_who_is_a_member_of_no_account_is_refused(portal, idp, account):
    token = await token_from(idp, "auth0|nobody-here")
    response = await portal.post("{ viewer { subject } }", token)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "not a member of any account" in response.headers["www-authenticate"]


async def test_a_token_for_another_api_is_refused(portal, idp, account):
    await add_member(account.id, ALICE, Role.OWNER)
    token = await token_from(idp, ALICE, resource="https://crm.example.com/api")
    response = await portal.post("{ viewer { subject } }", token)
    assert response.status_code == 401
    assert "audience does not include this service" in response.headers["www-authenticate"]
    # the same person with a token for this service is let in: only the audience was wrong
    assert (await portal("{ viewer { subject } }", await token_from(idp, ALICE)))["data"]["viewer"]["subject"] == ALICE


async def test_a_token_of_an_untrusted_provider_is_refused(portal, account):
    stranger = OidcProvider(audience=AUDIENCE)
    with running(stranger):
        await add_member(account.id, ALICE, Role.OWNER)
        token = await token_from(stranger, ALICE)
    response = await portal.post("{ viewer { subject } }", token)
    assert response.status_code == 401
    assert "issuer is not trusted" in response.headers["www-authenticate"]
    assert stranger.served == ["/token"], "an untrusted issuer is never asked for keys"


@pytest.mark.parametrize("idp", [True], indirect=True, ids=["issuer-with-final-slash"])
async def test_an_issuer_spelled_with_a_final_slash_is_trusted_as_spelled(portal, idp, account):
    """Auth0's ``iss`` is ``https://tenant.auth0.com/``: the setting keeps the slash, the
    token's ``iss`` must equal it exactly, and discovery still finds the keys."""
    assert idp.issuer.endswith("/")
    await add_member(account.id, ALICE, Role.VIEWER)
    body = await portal("{ viewer { subject } }", await token_from(idp, ALICE))
    assert body == {"data": {"viewer": {"subject": ALICE}}}
