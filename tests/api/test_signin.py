"""The sign-in page: form, CSRF, passwords, throttling, safe redirects, the session cookie, sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.app import create_app
from api.services import Services
from api.signin.routes import safe_next
from models.users import User
from tests.api.oauth import test_authorization_code as flow
from tests.api.oauth.test_authorization_code import APP, LOOPBACK, PASSWORD, REDIRECT, authorize_params, pkce, sign_in
from tests.conftest import ISSUER

app_client, owner = flow.app_client, flow.owner  # the fixtures, shared with the protocol tests

pytestmark = pytest.mark.usefixtures("owner")


async def signed_in(client: httpx.AsyncClient) -> bool:
    page = await client.get("/signin")
    return "You are signed in as owner" in page.text


async def test_the_form_has_the_fields_the_console_relies_on_and_a_strict_policy(client):
    page = await client.get("/signin", params={"next": "/oauth/authorize?x=1"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for element in ('id="username"', 'id="password"', 'id="sign-in"', 'type="hidden" name="csrf_token"'):
        assert element in page.text
    assert "<script" not in page.text and "style=" not in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "form-action 'self'" in policy and "script-src" not in policy
    assert (await client.get("/signin/style.css")).headers["content-type"].startswith("text/css")


async def test_sign_in_by_subject_or_email_starts_a_session(client):
    response = await sign_in(client, username="owner@acme.example")
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert await signed_in(client)


async def test_a_session_ends_when_the_password_changes_or_the_user_is_disabled(client):
    await sign_in(client)
    assert await signed_in(client)
    later = datetime.now(UTC) + timedelta(minutes=5)
    await User.filter(subject="owner").update(password_changed_at=later)
    assert not await signed_in(client), "a session signed in with the old password must end"
    await User.filter(subject="owner").update(password_changed_at=datetime.now(UTC) - timedelta(minutes=5))
    await sign_in(client)
    assert await signed_in(client)
    await User.filter(subject="owner").update(disabled_at=datetime.now(UTC))
    assert not await signed_in(client)


async def test_a_missing_or_wrong_csrf_token_is_refused(client):
    await client.get("/signin")
    missing = await client.post("/signin", data={"username": "owner", "password": PASSWORD})
    wrong = await client.post("/signin", data={"username": "owner", "password": PASSWORD, "csrf_token": "forged"})
    assert missing.status_code == 403 and wrong.status_code == 403
    assert not await signed_in(client)


@pytest.mark.parametrize("username", ["owner", "nobody"])
async def test_a_wrong_password_or_unknown_user_gets_the_same_answer(client, username):
    response = await sign_in(client, username=username, password="not the password")
    assert response.status_code == 400 and "Incorrect user name or password." in response.text
    assert not await signed_in(client)


async def test_failures_per_user_are_throttled_even_for_the_right_password(client, settings):
    for _ in range(settings.login_failures_per_user):
        assert (await sign_in(client, password="wrong password!")).status_code == 400
    throttled = await sign_in(client)
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
    assert not await signed_in(client)


class TestPerAddress:
    @pytest.fixture
    def settings(self, settings):
        return settings.model_copy(update={"login_failures_per_address": 3})

    async def test_failures_per_address_are_throttled_across_user_names(self, client):
        for name in ("a", "b", "c"):
            assert (await sign_in(client, username=name, password="wrong password!")).status_code == 400
        throttled = await sign_in(client, username="d", password="wrong password!")
        assert throttled.status_code == 429 and "retry-after" in throttled.headers


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "evil"]
)
async def test_next_never_leads_off_the_site(client, target):
    assert safe_next(target) is None
    response = await sign_in(client, next_path=target)
    assert response.status_code == 303 and response.headers["location"] == "/signin"


async def test_next_keeps_a_path_on_the_site(client):
    response = await sign_in(client, next_path="/oauth/authorize?client_id=x&state=y")
    assert response.headers["location"] == "/oauth/authorize?client_id=x&state=y"


async def test_the_form_may_post_to_the_registered_redirect_origin_of_its_request(client, app_client):
    _, challenge = pkce()
    authorize = await client.get("/oauth/authorize", params=authorize_params(challenge))
    page = await client.get(authorize.headers["location"])
    assert "form-action 'self' https://console.example;" in page.headers["content-security-policy"]


async def test_the_session_cookie_is_httponly_lax_and_not_secure_in_development(client):
    await client.get("/signin")
    cookie = (await sign_in(client)).headers["set-cookie"].lower()
    assert cookie.startswith("portal_session=") and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie


async def test_the_session_cookie_is_secure_in_production(settings, signing_key, db):
    services = Services.build(settings.model_copy(update={"env": "production"}), signing_key)
    transport = httpx.ASGITransport(app=create_app(services, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        cookie = (await http.get("/signin")).headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


async def test_sign_out_redirects_only_to_a_registered_uri(client, app_client):
    await sign_in(client)
    out = await client.get("/signout", params={"client_id": APP, "post_logout_redirect_uri": REDIRECT, "state": "s"})
    assert out.status_code == 303 and out.headers["location"] == REDIRECT + "?state=s"
    assert not await signed_in(client)
    await sign_in(client)
    refused = await client.get("/signout", params={"client_id": APP, "post_logout_redirect_uri": "https://evil.example/"})
    assert refused.status_code == 200 and "location" not in refused.headers and "signed out" in refused.text
    assert not await signed_in(client)


async def test_sign_out_accepts_a_loopback_uri_on_any_port(client, app_client):
    uri = LOOPBACK.replace("4000", "4999")
    out = await client.get("/signout", params={"client_id": APP, "post_logout_redirect_uri": uri})
    assert out.headers["location"] == uri
