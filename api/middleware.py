"""ASGI middleware: request ids, a cap on request body size, security headers."""

from __future__ import annotations

import re
import uuid

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.tracing import current_trace_id
from schema.request_id import current_request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes a sane ``X-Request-ID`` from the client or makes one; logs and
    masked errors carry it, and the response echoes it. When tracing is on
    (api/tracing.py), it is the trace id, so the id a client quotes finds the trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = current_trace_id() or (given if _SAFE_ID.match(given) else uuid.uuid4().hex)
        token = current_request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)


class BodySizeLimitMiddleware:
    """Refuses bodies over ``max_bytes`` with 413, whether announced by
    ``Content-Length`` or streamed without one."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"errors": [{"message": f"Request body exceeds {self.max_bytes} bytes."}]}, status_code=413
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


# Sent on every response unless the route set the header itself (``/oauth/jwks`` sets a
# public Cache-Control on purpose). no-store: GraphQL answers carry personal data and
# token responses must not be cached (RFC 6749 section 5.1). no-referrer: nothing here
# needs a Referer, and no page leaks our URLs (with their OAuth codes) to another site.
_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)
HSTS = "max-age=63072000; includeSubDomains"
# JSON (everything but the HTML pages) loads nothing and is never framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# The development HTML pages of api/web/ (GraphiQL, the reference console) load scripts and
# stylesheets from this origin only: GraphiQL and React are vendored under
# api/web/static/vendor/, no page has an inline script or style, nothing comes from a CDN.
# GraphiQL's fonts and icons are data: URLs inside its stylesheet. The pages talk to this
# origin only (/graphql, /oauth/token) and submit no form (the sign-in page sets its own
# policy). tests/api/test_security_headers.py checks the pages load nothing else.
HTML_CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
))


class SecurityHeadersMiddleware:
    """Adds nosniff, Referrer-Policy, X-Frame-Options, ``Cache-Control: no-store``, a
    Content-Security-Policy (``html_csp`` on text/html, ``API_CSP`` otherwise) and, with
    ``hsts`` (production only: never on plain-http development), Strict-Transport-Security
    to every HTTP response. A header the route set is kept; a ``Server`` header is dropped."""

    def __init__(self, app: ASGIApp, *, hsts: bool, html_csp: str = HTML_CSP) -> None:
        self.app = app
        self.headers = _ALWAYS + (((b"strict-transport-security", HSTS.encode()),) if hsts else ())
        self.html_csp = html_csp.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers", []) if name.lower() != b"server"]
                present = {name.lower(): value for name, value in headers}
                html = present.get(b"content-type", b"").lower().startswith(b"text/html")
                csp = (b"content-security-policy", self.html_csp if html else API_CSP.encode())
                headers.extend(header for header in (*self.headers, csp) if header[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
