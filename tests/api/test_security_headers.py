"""Security headers on every response, through real HTTP requests to the app; the
``Server`` banner through a real ``portal serve`` process."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from html.parser import HTMLParser
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api.app import create_app
from api.middleware import API_CSP, GRAPHIQL_CSP, HSTS, SecurityHeadersMiddleware
from api.oauth.keys import generate_signing_key
from api.oauth.store import create_client
from api.services import Services
from api.settings import Settings
from tests.support.server import serving

VIEWER = "{ viewer { subject } }"


def assert_secured(response: httpx.Response, *, hsts: bool = False, csp: str = API_CSP, cache: str = "no-store") -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == cache
    assert headers["content-security-policy"] == csp
    assert "frame-ancestors 'none'" in csp
    assert "server" not in headers
    if hsts:
        assert headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
    else:
        assert "strict-transport-security" not in headers, "never HSTS outside production"
    for name in ("x-content-type-options", "cache-control", "content-security-policy"):
        assert len(headers.get_list(name)) == 1, f"{name} sent twice"


async def test_graphql_answers_are_secured(client, token_for, account):
    response = await client.post("/graphql", json={"query": VIEWER},
                                 headers={"Authorization": f"Bearer {await token_for('owner', 'billing:read')}"})
    assert response.status_code == 200 and response.json()["data"]["viewer"]["subject"] == "owner"
    assert_secured(response)


async def test_refusals_are_secured_too(client, settings):
    assert_secured(await client.post("/graphql", json={"query": VIEWER}))  # 401
    too_large = await client.post("/graphql", content=b"x" * (settings.max_body_bytes + 1))
    assert too_large.status_code == 413
    assert_secured(too_large)
    assert_secured(await client.get("/nowhere"))  # 404


async def test_token_responses_are_never_cached(client, account):
    client_id, secret = await create_client(account.id, "Accounting partner", ["invoices:read"])
    granted = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert granted.status_code == 200 and "access_token" in granted.json()
    assert_secured(granted)
    refused = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, "wrong"))
    assert refused.status_code == 401
    assert_secured(refused)


async def test_health_checks_are_secured(client):
    assert_secured(await client.get("/healthz"))
    assert_secured(await client.get("/readyz"))


async def test_a_header_the_route_chose_is_kept(client):
    jwks = await client.get("/oauth/jwks")
    assert_secured(jwks, cache="public, max-age=300")
    assert_secured(await client.get("/.well-known/oauth-authorization-server"))


async def test_graphiql_page_gets_its_content_security_policy(client):
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert_secured(page, csp=GRAPHIQL_CSP)


async def test_graphiql_policy_allows_exactly_what_the_page_loads(client):
    """When Strawberry changes its GraphiQL page, update GRAPHIQL_CSP in api/middleware.py."""
    page = _Page()
    page.feed((await client.get("/graphql", headers={"Accept": "text/html"})).text)
    policy = _directives(GRAPHIQL_CSP)
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
              for code in page.inline_scripts}
    assert set(policy["script-src"]) == hashes | page.scripts, "scripts: the page's and nothing else"
    stylesheets = set(policy["style-src"]) - {"'unsafe-inline'", "https://fonts.googleapis.com/css2"}
    assert stylesheets == page.stylesheets
    assert page.scripts | page.stylesheets, "the page loads from the CDN (until issue 11 vendors it)"
    assert policy["default-src"] == ["'none'"] and "'unsafe-eval'" not in GRAPHIQL_CSP
    assert policy["connect-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["data:"] and page.icon.startswith("data:")


async def test_production_adds_hsts(settings, db):
    production = dataclasses.replace(settings, env="production", issuer="https://portal.example.com")
    assert isinstance(production, Settings) and production.is_production
    services = Services.build(production, generate_signing_key())
    app = create_app(services, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=production.issuer) as http:
        assert_secured(await http.get("/healthz"), hsts=True)
        assert_secured(await http.post("/graphql", json={"query": VIEWER}), hsts=True)
        assert_secured(await http.get("/oauth/jwks"), hsts=True, cache="public, max-age=300")
    await services.aclose()
    assert HSTS == "max-age=63072000; includeSubDomains"


async def test_middleware_keeps_route_headers_and_drops_a_server_banner():
    async def chosen(request: Request) -> Response:
        return HTMLResponse("<p>hi</p>", headers={"Content-Security-Policy": "default-src 'self'",
                                                  "Referrer-Policy": "same-origin", "Server": "leaky/1.0"})

    app = Starlette(routes=[Route("/", chosen)], middleware=[Middleware(SecurityHeadersMiddleware, hsts=False)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        response = await http.get("/")
    assert response.headers["content-security-policy"] == "default-src 'self'"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff" and response.headers["cache-control"] == "no-store"


def test_portal_serve_sends_no_server_banner(tmp_path: Path):
    with serving(tmp_path, PORTAL_ISSUER="https://portal.test") as served:
        response = httpx.get(f"{served.url}/healthz")
    assert response.status_code == 200
    assert "server" not in response.headers, "uvicorn must run with server_header=False"
    assert "date" in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


class _Page(HTMLParser):
    """What an HTML page loads: external scripts, inline scripts, stylesheets, its icon."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: set[str] = set()
        self.stylesheets: set[str] = set()
        self.inline_scripts: list[str] = []
        self.icon = ""
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.scripts.add(attributes["src"] or "")
        elif tag == "script":
            self._in_inline_script = True
            self.inline_scripts.append("")
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.add(attributes.get("href") or "")
        elif tag == "link" and attributes.get("rel") == "icon":
            self.icon = attributes.get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline_scripts[-1] += data
