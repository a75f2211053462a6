"""A small OpenID Connect provider for tests, independent of this service's own issuer.

It stands in for Keycloak, Auth0 or Okta: it publishes an OpenID Connect discovery
document (``/.well-known/openid-configuration``, and *not* the RFC 8414 one, so the
portal's fallback is exercised), its signing keys (``/jwks``), and issues RFC 9068
JWT access tokens (``typ: at+jwt``; ``iss``, ``aud``, ``sub``, ``client_id``, ``jti``,
``iat``, ``exp``, ``scope``) from ``/token``:

``POST /token`` with HTTP Basic client authentication and the form
``grant_type=password&username=<sub>&password=<password>[&scope=…][&resource=<api>]``.
The user must have been registered with ``add_user``; ``resource`` (RFC 8707) names the
API the token is for and becomes its ``aud`` (default: the audience the provider was
built with, the portal's). The password grant is the smallest that yields a token *for
a person*; it is a test double, not a recommendation.

``running(provider)`` serves it with uvicorn on a real loopback port in a thread.
"""

from __future__ import annotations

import base64
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN_TTL_SECONDS = 300


@dataclass
class OidcProvider:
    """The provider's state: its key, its clients and users, and the paths it served."""

    audience: str
    """The ``aud`` of a token whose request names no ``resource``."""
    issuer: str = ""
    """``http://127.0.0.1:<port>``, set by ``running`` (with a final ``/`` when ``trailing_slash``)."""
    trailing_slash: bool = False
    """Spell the issuer with a final ``/``, as Auth0 does (``https://tenant.auth0.com/``)."""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, private=True, auto_kid=True))
    clients: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    served: list[str] = field(default_factory=list)
    """The path of every request, in order (what the portal fetched)."""

    @property
    def base_url(self) -> str:
        return self.issuer.rstrip("/")

    def add_client(self, client_id: str) -> str:
        """Register a client; its secret."""
        self.clients[client_id] = secrets.token_urlsafe(16)
        return self.clients[client_id]

    def add_user(self, subject: str, password: str) -> None:
        self.users[subject] = password

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self._discovery, methods=["GET"]),
            Route("/jwks", self._jwks, methods=["GET"]),
            Route("/token", self._token, methods=["POST"]),
        ])

    def access_token(self, subject: str, client_id: str, scope: str, audience: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": audience,
            "sub": subject,
            "client_id": client_id,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + TOKEN_TTL_SECONDS,
            "scope": scope,
        }
        header = {"alg": "RS256", "typ": "at+jwt", "kid": self.key.kid}
        return jwt.encode(header, claims, self.key)

    async def _discovery(self, request: Request) -> Response:
        self.served.append(request.url.path)
        return JSONResponse({
            "issuer": self.issuer,
            "jwks_uri": f"{self.base_url}/jwks",
            "token_endpoint": f"{self.base_url}/token",
            "authorization_endpoint": f"{self.base_url}/authorize",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "grant_types_supported": ["password"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        })

    async def _jwks(self, request: Request) -> Response:
        self.served.append(request.url.path)
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    async def _token(self, request: Request) -> Response:
        self.served.append(request.url.path)
        client_id = self._client(request)
        if client_id is None:
            return _error("invalid_client", 401)
        form = await request.form()
        if form.get("grant_type") != "password":
            return _error("unsupported_grant_type")
        subject, password = str(form.get("username", "")), str(form.get("password", ""))
        known = self.users.get(subject)
        if known is None or not secrets.compare_digest(known, password):
            return _error("invalid_grant")
        scope = str(form.get("scope", ""))
        token = self.access_token(subject, client_id, scope, str(form.get("resource") or self.audience))
        return JSONResponse(
            {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_TTL_SECONDS, "scope": scope},
            headers={"Cache-Control": "no-store"},
        )

    def _client(self, request: Request) -> str | None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeError):
            return None
        known = self.clients.get(client_id)
        return client_id if known is not None and secrets.compare_digest(known, secret) else None


def _error(code: str, status: int = 400) -> Response:
    return JSONResponse({"error": code}, status_code=status)


@contextmanager
def running(provider: OidcProvider) -> Iterator[OidcProvider]:
    """Serve ``provider`` with uvicorn on a loopback port (bound here, so no other process
    can take it in between) in a thread; sets ``provider.issuer``; stops on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    provider.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}" + ("/" if provider.trailing_slash else "")
    server = uvicorn.Server(uvicorn.Config(provider.app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the OIDC provider did not start")
            time.sleep(0.02)
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
