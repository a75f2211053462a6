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
from dataclasses import dataclass
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import InvalidClientError, OAuth2Error
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.datastructures import FormData, Headers, ImmutableMultiDict, QueryParams

from api.oauth import grant_store, store
from api.oauth.bridge import on_loop as _on_loop
from api.oauth.client_auth import ClientAuthenticator, SecretVerifier
from api.oauth.grants import AuthorizationCodeGrant, RefreshTokenGrant, S256CodeChallenge, check_client_scope
from api.oauth.key_set import KeyRing
from api.oauth.keys import SigningKey
from api.oauth.throttle import FailureThrottle
from api.settings import Settings
from billing.access.caller import ALL_SCOPES

GRANT_CLIENT_CREDENTIALS = "client_credentials"


class FormPayload(OAuth2Payload):
    """The parameters of a request: the form of a POST, the query of GET /oauth/authorize."""

    def __init__(self, form: ImmutableMultiDict[str, Any]) -> None:
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

    def __init__(self, method: str, url: str, headers: Headers, query: QueryParams, form: FormData | None) -> None:
        super().__init__(method=method, uri=url, headers=headers)
        self._query = query
        self._form = form if form is not None else FormData()
        self.payload = FormPayload(query if form is None else form)
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
        check_client_scope(self.request)


class PortalTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 access tokens (``typ: at+jwt``) for this service's audience, and
    opaque random refresh tokens. An access token issued to a signed-in user carries
    the family of its code in its ``jti`` (see ``api.oauth.grant_store``)."""

    def __init__(self, issuer: str, audience: str, key: SigningKey | KeyRing, ttl_seconds: int) -> None:
        self.key_ring = key if isinstance(key, KeyRing) else KeyRing.fixed(key)
        super().__init__(
            issuer=issuer,
            alg=self.key_ring.active.alg,
            expires_generator=lambda client, grant_type: ttl_seconds,
            refresh_token_generator=lambda **_: grant_store.new_secret(),
        )
        self._audience = audience

    @property  # type: ignore[override]
    def alg(self) -> str:
        """The active key's algorithm: a rotation picked up by the key ring changes it."""
        return self.key_ring.active.alg

    @alg.setter
    def alg(self, value: str) -> None:
        """authlib sets it once in ``__init__``; the active key decides."""

    def get_jti(self, client: Any, grant_type: str, user: Any, scope: str) -> str:
        if isinstance(user, grant_store.SignedInUser):
            return grant_store.jti_prefix(user.family) + generate_token(22)
        return generate_token(16)

    def get_jwks(self) -> KeySet:
        """The active key only: tokens are signed with it (its ``kid`` in the header)."""
        return KeySet([self.key_ring.active.key])

    def get_audiences(self, client: Any, user: Any, scope: str) -> list[str]:
        return [self._audience]


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
    """RFC 7009: a client revokes a token that was issued to it. A public client
    (identified by its client_id alone) revokes its refresh tokens this way: the
    token's whole family goes, access tokens included."""

    SUPPORTED_TOKEN_TYPES = ("access_token", "refresh_token")
    CLIENT_AUTH_METHODS = [*store.CLIENT_AUTH_METHODS, store.PUBLIC_AUTH_METHOD]

    def query_token(
        self, token_string: str, token_type_hint: str | None
    ) -> store.TokenRecord | grant_store.RefreshRecord | None:
        if _claims_of(token_string) is not None:
            return super().query_token(token_string, token_type_hint)
        return _on_loop(grant_store.find_refresh_token_any_client, token_string)

    def revoke_token(self, token: store.TokenRecord | grant_store.RefreshRecord, request: OAuth2Request) -> None:
        if isinstance(token, grant_store.RefreshRecord):
            _on_loop(grant_store.revoke_family, token.family)
        else:
            _on_loop(store.revoke_token, token.jti)


class PortalIntrospectionEndpoint(_StoredTokenLookup, IntrospectionEndpoint):
    """RFC 7662: a confidential client introspects access tokens that were issued to it."""

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


@dataclass(frozen=True)
class Lifetimes:
    """How long codes and refresh tokens live (seconds; see ``Settings``)."""

    code: int = Settings.model_fields["authorization_code_ttl_seconds"].default
    refresh_idle: int = Settings.model_fields["refresh_token_idle_seconds"].default
    refresh_family: int = Settings.model_fields["refresh_token_ttl_seconds"].default

    @classmethod
    def from_settings(cls, settings: Settings) -> Lifetimes:
        return cls(
            settings.authorization_code_ttl_seconds,
            settings.refresh_token_idle_seconds,
            settings.refresh_token_ttl_seconds,
        )


class PortalAuthorizationServer(AuthorizationServer):
    def __init__(
        self,
        issuer: str,
        audience: str,
        key: SigningKey | KeyRing,
        ttl_seconds: int,
        client_auth: ClientAuthenticator | None = None,
        lifetimes: Lifetimes | None = None,
    ) -> None:
        super().__init__(scopes_supported=list(ALL_SCOPES))
        self.issuer = issuer
        self.client_auth = client_auth or client_authenticator(Settings())
        self.lifetimes = lifetimes or Lifetimes()
        self.generator = PortalTokenGenerator(issuer, audience, key, ttl_seconds)
        self.key_ring = self.generator.key_ring
        self.register_token_generator("default", self.generator)
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(AuthorizationCodeGrant, [S256CodeChallenge()])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(PortalRevocationEndpoint)
        self.register_endpoint(PortalIntrospectionEndpoint)

    @property
    def code_ttl_seconds(self) -> int:
        return self.lifetimes.code

    @classmethod
    def from_settings(cls, settings: Settings, key: SigningKey | KeyRing) -> PortalAuthorizationServer:
        return cls(
            settings.issuer,
            settings.audience,
            key,
            settings.token_ttl_seconds,
            client_authenticator(settings),
            Lifetimes.from_settings(settings),
        )

    def authorize(self, request: StarletteOAuth2Request, subject: str | None) -> tuple[int, Any, list] | None:
        """GET /oauth/authorize (in a worker thread): validate the request, then issue a
        code to ``subject``. None if the request is valid but nobody is signed in.

        There is no consent screen: every public client is a first-party application
        of this service (registered by the operator), so signing in is the consent.
        An error found before the redirect URI is validated comes back as a plain
        ``(400, {error, error_description}, headers)`` (never redirected, RFC 6749
        4.1.2.1); one found after it as a 302 to the client with ``error`` and ``state``.
        """
        try:
            grant = self.get_consent_grant(request)
        except OAuth2Error as error:
            return self.handle_error_response(request, error)
        if subject is None:
            return None
        return self.create_authorization_response(request, grant_user=grant_store.Subject(subject), grant=grant)

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
        """Record the access token (revocation, introspection) and the client's last use
        and, for a signed-in user, the new refresh token of the family. A rotated refresh
        token keeps the scope and the family start of the one it replaces (RFC 6749 section 6)."""
        claims = _claims_of(token["access_token"])
        _on_loop(store.record_token_endpoint_issue, claims)
        if "refresh_token" not in token or not isinstance(request.user, grant_store.SignedInUser):
            return
        previous: grant_store.RefreshRecord | None = getattr(request, "refresh_token", None)
        _on_loop(
            grant_store.save_refresh_token,
            token["refresh_token"],
            request.user.family,
            request.client.client_id,
            request.user.subject,
            previous.scope if previous else token.get("scope", ""),
            previous.family_started_at if previous else None,
            self.lifetimes.refresh_idle,
            self.lifetimes.refresh_family,
        )

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: StarletteOAuth2Request) -> StarletteOAuth2Request:
        return request

    def create_json_request(self, request: StarletteOAuth2Request) -> StarletteOAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, list]:
        return status, body, headers
