"""The embedded authorization server, built on authlib's grant and endpoint classes.

authlib's server is synchronous: every storage hook is a plain function, while
this service's storage (Tortoise) is async. The bridge: the Starlette route reads
the request body (async), then runs the whole authlib endpoint in a worker thread
with ``anyio.to_thread.run_sync``; when authlib calls a storage hook from that
thread, the hook hops back onto the event loop with ``anyio.from_thread.run`` and
awaits the ORM there. The event loop is never blocked, authlib's protocol code is
used unchanged, and the ORM only ever runs on the loop that owns its connections.

Client authentication is the exception: the route does it before authlib runs
(``api.oauth.client_auth``: one method per request, throttled failures, scrypt in
a bounded pool) and puts the client on the request; ``authenticate_client`` below
hands it to authlib's grant and endpoints instead of verifying anything again.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from anyio import from_thread
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidScopeError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.datastructures import FormData, Headers, QueryParams

from api.oauth import store
from api.oauth.client_auth import ClientAuthenticator, SecretVerifier
from api.oauth.keys import SigningKey
from api.oauth.throttle import FailureThrottle
from api.settings import Settings
from billing.access.caller import ALL_SCOPES

GRANT_CLIENT_CREDENTIALS = "client_credentials"


class FormPayload(OAuth2Payload):
    def __init__(self, form: FormData) -> None:
        self._form = form

    @property
    def data(self) -> dict[str, str]:
        return {key: value for key, value in self._form.items() if isinstance(value, str)}

    @property
    def datalist(self) -> defaultdict[str, list]:
        values: defaultdict[str, list] = defaultdict(list)
        for key, value in self._form.multi_items():
            values[key].append(value)
        return values


class StarletteOAuth2Request(OAuth2Request):
    """An authlib request from an already-read Starlette request.

    ``headers`` stay Starlette's case-insensitive ``Headers``: authlib looks up
    ``Authorization`` with a capital A, and a plain dict of lower-cased headers
    would silently lose HTTP Basic client authentication.
    """

    def __init__(self, method: str, url: str, headers: Headers, query: QueryParams, form: FormData) -> None:
        super().__init__(method=method, uri=url, headers=headers)
        self._query = query
        self._form = form
        self.payload = FormPayload(form)
        self.authenticated_client: store.ClientRecord | None = None
        self.authenticated_by: str | None = None

    @property
    def args(self) -> QueryParams:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """authlib's grant, plus what it leaves out: a client may ask only for scopes
    it was given (``invalid_scope`` otherwise), and both Basic and form-body client
    authentication are accepted."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(store.CLIENT_AUTH_METHODS)

    def validate_requested_scope(self) -> None:
        super().validate_requested_scope()
        requested = (self.request.payload.scope or "").split()
        if any(scope not in self.request.client.scopes for scope in requested):
            raise InvalidScopeError("the client may not ask for this scope")


class PortalTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 access tokens (``typ: at+jwt``) for this service's audience."""

    def __init__(self, issuer: str, audience: str, key: SigningKey, ttl_seconds: int) -> None:
        super().__init__(issuer=issuer, alg=key.alg, expires_generator=lambda client, grant_type: ttl_seconds)
        self._key = key
        self._audience = audience

    def get_jwks(self) -> KeySet:
        return KeySet([self._key.key])

    def get_audiences(self, client: Any, user: Any, scope: str) -> list[str]:
        return [self._audience]


def _on_loop(fn: Callable[..., Any], *args: Any) -> Any:
    """Run an async storage function on the event loop from authlib's worker thread."""
    return from_thread.run(fn, *args)


def _claims_of(token_string: str) -> dict[str, Any] | None:
    """Read the claims of a token this server signed, without trusting them:
    the jti is only used to look the token up in storage."""
    try:
        claims = json.loads(jws.extract_compact(token_string.encode("ascii")).payload)
    except (JoseError, ValueError, UnicodeError):
        return None
    return claims if isinstance(claims, dict) and isinstance(claims.get("jti"), str) else None


class _StoredTokenLookup:
    SUPPORTED_TOKEN_TYPES = ("access_token",)
    CLIENT_AUTH_METHODS = list(store.CLIENT_AUTH_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None) -> store.TokenRecord | None:
        claims = _claims_of(token_string)
        return _on_loop(store.find_token, claims["jti"]) if claims else None


class PortalRevocationEndpoint(_StoredTokenLookup, RevocationEndpoint):
    """RFC 7009: a client revokes a token that was issued to it."""

    def revoke_token(self, token: store.TokenRecord, request: OAuth2Request) -> None:
        _on_loop(store.revoke_token, token.jti)


class PortalIntrospectionEndpoint(_StoredTokenLookup, IntrospectionEndpoint):
    """RFC 7662: a client introspects tokens that were issued to it."""

    def check_permission(self, token: store.TokenRecord, client: store.ClientRecord, request: OAuth2Request) -> bool:
        return token.check_client(client)

    def introspect_token(self, token: store.TokenRecord) -> dict[str, Any]:
        return {
            "active": True,
            "client_id": token.client_id,
            "token_type": "Bearer",
            "scope": token.scope,
            "sub": token.subject,
            "exp": int(token.expires_at.timestamp()),
            "iat": int(token.issued_at.timestamp()),
            "jti": token.jti,
        }


def client_authenticator(settings: Settings) -> ClientAuthenticator:
    """Client authentication with the throttle and the hashing pool of ``settings``."""
    throttle = FailureThrottle(
        settings.auth_failures_per_client, settings.auth_failures_per_address, settings.auth_failure_window_seconds
    )
    return ClientAuthenticator(throttle, SecretVerifier(settings.secret_hash_concurrency))


class PortalAuthorizationServer(AuthorizationServer):
    def __init__(
        self,
        issuer: str,
        audience: str,
        key: SigningKey,
        ttl_seconds: int,
        client_auth: ClientAuthenticator | None = None,
    ) -> None:
        super().__init__(scopes_supported=list(ALL_SCOPES))
        self.client_auth = client_auth or client_authenticator(Settings())
        self.generator = PortalTokenGenerator(issuer, audience, key, ttl_seconds)
        self.register_token_generator("default", self.generator)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(PortalRevocationEndpoint)
        self.register_endpoint(PortalIntrospectionEndpoint)

    @classmethod
    def from_settings(cls, settings: Settings, key: SigningKey) -> PortalAuthorizationServer:
        return cls(
            settings.issuer, settings.audience, key, settings.token_ttl_seconds, client_authenticator(settings)
        )

    def authenticate_client(
        self, request: StarletteOAuth2Request, methods: list[str], endpoint: str = "token"
    ) -> store.ClientRecord:
        """The client the route authenticated (see ``api.oauth.client_auth``); never a
        second verification, so no secret is ever hashed outside the bounded pool."""
        client, method = request.authenticated_client, request.authenticated_by
        if client is None or method not in methods or not client.check_endpoint_auth_method(method, endpoint):
            raise InvalidClientError(status_code=401, description="Client authentication failed.")
        request.auth_method = method
        return client

    def query_client(self, client_id: str) -> store.ClientRecord | None:
        return _on_loop(store.find_client, client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        claims = _claims_of(token["access_token"])
        _on_loop(store.record_issued_token, claims)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: StarletteOAuth2Request) -> StarletteOAuth2Request:
        return request

    def create_json_request(self, request: StarletteOAuth2Request) -> StarletteOAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, list]:
        return status, body, headers
