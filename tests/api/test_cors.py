"""Cross-origin requests (``PORTAL_CORS_ORIGINS``): a console on another origin may call
``/graphql`` and ``/oauth/*`` with a bearer token, never with credentials (cookies)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest

from api.app import create_app
from api.services import Services
from api.settings import Settings
from tests.conftest import ISSUER, without_cost

CONSOLE = "https://console.example.com"
STRANGER = "https://evil.example.net"
PATHS = ["/graphql", "/oauth/token", "/oauth/revoke"]
ALLOWED_HEADERS = ["authorization", "content-type", "x-account-id", "idempotency-key"]

Portal = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def portal(settings: Settings, signing_key) -> Portal:
    """An HTTP client to the app built with ``PORTAL_CORS_ORIGINS`` set to ``origins``
    (parsed as the service parses it: ``None`` leaves the variable unset)."""

    @asynccontextmanager
    async def start(origins: str | None) -> AsyncIterator[httpx.AsyncClient]:
        env = {} if origins is None else {"PORTAL_CORS_ORIGINS": origins}
        services = Services.build(settings.model_copy(update={"cors_origins": Settings.from_env(env).cors_origins}), signing_key)
        transport = httpx.ASGITransport(app=create_app(services, manage_database=False))
        async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
            yield http
        await services.aclose()

    return start


def preflight(http: httpx.AsyncClient, path: str, origin: str, headers: str = "authorization, content-type, x-account-id"):
    return http.options(path, headers={
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers,
    })


@pytest.mark.parametrize("path", PATHS)
async def test_a_listed_origin_is_answered_a_preflight_without_credentials(portal, path):
    async with portal(f"{CONSOLE}, https://other-console.example.com") as http:
        response = await preflight(http, path, CONSOLE, ", ".join(ALLOWED_HEADERS))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CONSOLE
    assert {m.strip() for m in response.headers["access-control-allow-methods"].split(",")} == {"GET", "POST"}
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert set(ALLOWED_HEADERS) <= allowed
    assert response.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in response.headers
    assert "Origin" in response.headers["vary"]
    # the outer middlewares still apply to the preflight answer
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_preflight_asking_for_another_header_or_method_is_refused(portal):
    async with portal(CONSOLE) as http:
        header = await preflight(http, "/graphql", CONSOLE, "authorization, cookie")
        method = await http.options(
            "/graphql", headers={"Origin": CONSOLE, "Access-Control-Request-Method": "DELETE"}
        )
    assert header.status_code == 400 and "headers" in header.text
    assert "cookie" not in header.headers["access-control-allow-headers"].lower()
    assert method.status_code == 400 and "method" in method.text
    assert "DELETE" not in method.headers["access-control-allow-methods"]


@pytest.mark.parametrize("path", PATHS)
async def test_an_unlisted_origin_gets_no_cors_headers(portal, path):
    async with portal(CONSOLE) as http:
        response = await preflight(http, path, STRANGER)
        similar = await preflight(http, path, CONSOLE + ".evil.example.net")
    for answer in (response, similar):
        assert answer.status_code == 400
        assert "access-control-allow-origin" not in answer.headers
        assert "access-control-allow-credentials" not in answer.headers


async def test_an_actual_request_from_an_unlisted_origin_is_not_served_as_cors(portal, db, token_for, account):
    async with portal(CONSOLE) as http:
        response = await http.post(
            "/graphql", json={"query": "{ viewer { subject } }"},
            headers={"Origin": STRANGER, "Authorization": f"Bearer {await token_for('owner', 'billing:read')}"},
        )
    assert response.status_code == 200  # the browser, not the server, withholds it from the page
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize("origins", [None, "", " , "])
async def test_without_origins_configured_there_are_no_cors_headers_at_all(portal, origins):
    async with portal(origins) as http:
        answers = [await preflight(http, path, CONSOLE) for path in PATHS]
        answers.append(await http.get("/healthz", headers={"Origin": CONSOLE}))
    for answer in answers:
        assert not [name for name in answer.headers if name.lower().startswith("access-control-")]
    assert answers[0].status_code == 405  # /graphql does not answer OPTIONS at all


async def test_any_origin_with_a_star_but_never_with_credentials(portal):
    async with portal("*") as http:
        answer = await preflight(http, "/oauth/token", STRANGER)
        simple = await http.get("/healthz", headers={"Origin": STRANGER})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers
    assert answer.headers["access-control-max-age"] == "600"
    assert simple.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in simple.headers


async def test_a_graphql_post_from_a_listed_origin_exposes_the_request_id(portal, db, token_for, account):
    async with portal(CONSOLE) as http:
        response = await http.post(
            "/graphql", json={"query": "{ viewer { subject } }"},
            headers={
                "Origin": CONSOLE, "X-Request-ID": "console-42",
                "Authorization": f"Bearer {await token_for('owner', 'billing:read')}",
            },
        )
    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"viewer": {"subject": "owner"}}}
    assert response.headers["access-control-allow-origin"] == CONSOLE
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower().split(", ")
    assert response.headers["x-request-id"] == "console-42"
    assert "access-control-allow-credentials" not in response.headers
    assert "Origin" in response.headers["vary"]


async def test_refusals_reach_the_console_too(portal, db):
    """A 401 and a 413 carry the CORS headers, so the page can read why it was refused."""
    async with portal(CONSOLE) as http:
        unauthorised = await http.post("/graphql", json={"query": "{ viewer { subject } }"}, headers={"Origin": CONSOLE})
        too_large = await http.post(
            "/graphql", content=b"x" * 300_000, headers={"Origin": CONSOLE, "Content-Type": "application/json"}
        )
    assert unauthorised.status_code == 401
    assert too_large.status_code == 413
    for answer in (unauthorised, too_large):
        assert answer.headers["access-control-allow-origin"] == CONSOLE
        assert answer.headers["x-request-id"]


async def test_a_console_on_another_origin_can_read_a_downloads_name_and_digest(portal, db, token_for, account):
    """The PDF download's ETag (its SHA-256) and file name are exposed to the console's script."""
    async with portal(CONSOLE) as http:
        token = await token_for("owner", "billing:read")
        answer = await http.get("/invoices/JP-2026-000001.pdf",
                                headers={"Origin": CONSOLE, "Authorization": f"Bearer {token}"})
    assert answer.status_code == 404  # no such invoice: the headers are the same on every answer
    exposed = {h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "content-disposition", "x-request-id"} <= exposed
