"""Security headers on every response, through real HTTP requests to the app; the
``Server`` banner through a real ``portal serve`` process. The HTML pages (GraphiQL, the
reference console) load scripts and styles from their own origin only."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api.app import create_app
from api.middleware import API_CSP, HSTS, HTML_CSP, SecurityHeadersMiddleware
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


HTML_PAGES = ["/graphql", "/console/"]


async def test_graphiql_page_gets_its_content_security_policy(client):
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert_secured(page, csp=HTML_CSP)
    console = await client.get("/console/", headers={"Accept": "text/html"})
    assert console.status_code == 200 and console.headers["content-type"].startswith("text/html")
    assert_secured(console, csp=HTML_CSP)


def test_html_policy_allows_this_origin_only():
    policy = _directives(HTML_CSP)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], "no inline code, no CDN"
    assert policy["connect-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"] and policy["font-src"] == ["'self'", "data:"]
    assert "unsafe" not in HTML_CSP and "http" not in HTML_CSP


async def test_html_pages_load_only_files_the_app_serves(client):
    """Every script and stylesheet of the development pages is a file of api/web/static or
    api/web/console, served by the app with the right type; nothing inline, nothing remote.
    When GraphiQL is updated (api/web/static/vendor/README.txt), this checks the new paths."""
    for path in HTML_PAGES:
        page = _Page()
        page.feed((await client.get(path, headers={"Accept": "text/html"})).text)
        assert page.scripts and page.stylesheets, f"{path} loads its scripts and styles"
        assert not page.inline_scripts and not page.inline_styles, f"{path}: inline code the policy would block"
        assert page.icon.startswith("data:")
        for url, kind in [*((url, "text/javascript") for url in page.scripts),
                          *((url, "text/css") for url in page.stylesheets)]:
            assert url.startswith("/"), f"{path} loads {url} from elsewhere"
            asset = await client.get(url)
            assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind), url


async def test_vendored_files_are_cached_for_a_year_the_pages_own_are_revalidated(client):
    page = _Page()
    page.feed((await client.get("/graphql", headers={"Accept": "text/html"})).text)
    vendored = {url for url in page.scripts | page.stylesheets if url.startswith("/static/vendor/")}
    assert len(vendored) == 4, "graphiql js and css, react, react-dom"
    for url in vendored:
        assert "@" in url, f"{url}: a vendored path names its version"
        assert_secured(await client.get(url), csp=API_CSP, cache="public, max-age=31536000, immutable")
    assert_secured(await client.get("/static/auth.js"), csp=API_CSP, cache="no-cache")
    assert_secured(await client.get("/console/console.js"), csp=API_CSP)


async def test_production_adds_hsts(settings, db):
    production = settings.model_copy(update={"env": "production", "issuer": "https://portal.example.com"})
    assert isinstance(production, Settings) and production.is_production
    services = Services.build(production, generate_signing_key())
    app = create_app(services, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=production.issuer) as http:
        assert_secured(await http.get("/healthz"), hsts=True)
        assert_secured(await http.post("/graphql", json={"query": VIEWER}), hsts=True)
        assert_secured(await http.get("/oauth/jwks"), hsts=True, cache="public, max-age=300")
        for development_only in ("/console/", "/static/auth.js", "/static/vendor/README.txt"):
            assert (await http.get(development_only)).status_code == 404, development_only
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
    """What an HTML page loads: external scripts, inline scripts and styles, stylesheets, its icon."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: set[str] = set()
        self.stylesheets: set[str] = set()
        self.inline_scripts: list[str] = []
        self.inline_styles: list[str] = []
        self.icon = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.scripts.add(attributes["src"] or "")
        elif tag == "script":
            self.inline_scripts.append(tag)
        elif tag == "style" or "style" in attributes:
            self.inline_styles.append(tag)
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.add(attributes.get("href") or "")
        elif tag == "link" and attributes.get("rel") == "icon":
            self.icon = attributes.get("href") or ""
        if any(name.startswith("on") for name in attributes):
            self.inline_scripts.append(f"{tag} event handler")
