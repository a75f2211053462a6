"""What the authorization server reads and writes: clients and issued access tokens
(authorization codes and refresh tokens: ``api.oauth.grant_store``).

The records handed to authlib are plain objects loaded up front, so that
authlib's synchronous code never touches the ORM itself.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from tortoise.expressions import Q

from api.oauth import redirect_uris
from api.oauth.secrets import hash_secret, new_client_id, new_client_secret
from billing.access.caller import ALL_SCOPES, SCOPE_ADMIN
from models.accounts import Account
from models.oauth import IssuedToken, OAuthClient

CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
"""How a confidential client authenticates (a public client: ``none``, its client_id alone)."""
PUBLIC_AUTH_METHOD = "none"
PUBLIC_GRANT_TYPES = ("authorization_code", "refresh_token")
CUSTOMER_SCOPES = tuple(scope for scope in ALL_SCOPES if scope != SCOPE_ADMIN)


@dataclass(frozen=True)
class ClientRecord(ClientMixin):
    """A confidential client (secret, account, client credentials) or a public one
    (no secret, no account, authorization code with PKCE and refresh tokens)."""

    client_id: str
    secret_hash: str | None
    scopes: tuple[str, ...]
    account_id: uuid.UUID | None
    is_public: bool = False
    redirect_uris: tuple[str, ...] = ()

    def get_client_id(self) -> str:
        return self.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        """Never used: the route verifies the secret before authlib runs, throttled and
        in a bounded pool (``api.oauth.client_auth``). Refusing here keeps any other
        path from hashing outside that pool."""
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == PUBLIC_AUTH_METHOD
        return method in CLIENT_AUTH_METHODS

    def check_grant_type(self, grant_type: str) -> bool:
        if self.is_public:
            return grant_type in PUBLIC_GRANT_TYPES
        return grant_type == "client_credentials"

    def check_response_type(self, response_type: str) -> bool:
        return self.is_public and response_type == "code"

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact match with a registered URI (any port for loopback IPs, RFC 8252 7.3)."""
        return self.is_public and redirect_uris.matches(redirect_uri, list(self.redirect_uris))

    def get_default_redirect_uri(self) -> None:
        """None: every authorization request must name its redirect URI."""
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        """No scope asked for: the client's default, all it may have."""
        if not scope:
            return " ".join(self.scopes)
        return " ".join(s for s in scope.split() if s in self.scopes)


@dataclass(frozen=True)
class TokenRecord(TokenMixin):
    jti: str
    client_id: str
    subject: str
    scope: str
    issued_at: datetime
    expires_at: datetime
    revoked: bool

    def check_client(self, client: ClientRecord) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.expires_at - self.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.expires_at.timestamp() <= time.time()

    def is_revoked(self) -> bool:
        return self.revoked


async def find_client(client_id: str) -> ClientRecord | None:
    client = await OAuthClient.get_or_none(client_id=client_id, disabled_at=None)
    if client is None:
        return None
    return ClientRecord(
        client.client_id,
        client.secret_hash,
        tuple(client.scope_list),
        client.account_id,
        client.is_public,
        tuple(client.redirect_uris or ()),
    )


def check_scopes(scopes: list[str]) -> list[str]:
    """The scopes a client may be given: customer scopes only, at least one, never ``admin``."""
    unknown = [s for s in scopes if s not in CUSTOMER_SCOPES]
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {' '.join(CUSTOMER_SCOPES)}, not {' '.join(unknown) or '(none)'}")
    return list(dict.fromkeys(scopes))


async def create_client(
    account_id: uuid.UUID, name: str, scopes: list[str], *, created_by: str | None = None
) -> tuple[str, str]:
    """Register a partner client; returns ``(client_id, client_secret)``.

    The secret is shown once: only its hash is kept.
    """
    check_scopes(scopes)
    await Account.get(id=account_id)
    client_id, secret = new_client_id(), new_client_secret()
    await OAuthClient.create(
        client_id=client_id, secret_hash=hash_secret(secret), name=name, account_id=account_id, scopes=" ".join(scopes),
        created_by=created_by,
    )
    return client_id, secret


async def create_public_client(
    name: str,
    redirect_uri_list: list[str],
    scopes: list[str],
    *,
    development: bool,
    issuer: str,
    client_id: str | None = None,
) -> OAuthClient:
    """Register a public client (a browser or native app): no secret, no account.

    Raises ``ValueError`` (``RedirectUriRefused``) naming the first URI or scope
    that may not be registered. With a fixed ``client_id`` that already exists
    (the demo's console), its name, redirect URIs and scopes are updated instead.
    """
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("name must be 1 to 200 characters")
    if not redirect_uri_list:
        raise ValueError("a public client needs at least one --redirect-uri")
    uris = [redirect_uris.check_redirect_uri(uri, development=development, issuer=issuer) for uri in redirect_uri_list]
    values = {
        "name": name,
        "is_public": True,
        "secret_hash": None,
        "account_id": None,
        "redirect_uris": list(dict.fromkeys(uris)),
        "scopes": " ".join(check_scopes(scopes)),
    }
    if client_id is not None:
        client, _ = await OAuthClient.update_or_create(client_id=client_id, defaults=values)
        return client
    return await OAuthClient.create(client_id=new_client_id(), **values)


async def record_issued_token(claims: dict[str, Any]) -> None:
    await IssuedToken.create(
        jti=claims["jti"],
        client_id=claims["client_id"],
        subject=claims["sub"],
        scope=claims.get("scope") or "",
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )


async def record_token_endpoint_issue(claims: dict[str, Any]) -> None:
    """A token the token endpoint issued: recorded as ``record_issued_token`` does, and
    the client's ``last_used_at`` set (once per token issued, never per API request)."""
    await record_issued_token(claims)
    await OAuthClient.filter(client_id=claims["client_id"]).update(last_used_at=datetime.now(UTC))


async def find_token(jti: str) -> TokenRecord | None:
    row = await IssuedToken.get_or_none(jti=jti)
    if row is None:
        return None
    return TokenRecord(
        row.jti, row.client_id, row.subject, row.scope, row.issued_at, row.expires_at, row.revoked_at is not None
    )


async def revoke_token(jti: str) -> None:
    await IssuedToken.filter(jti=jti, revoked_at=None).update(revoked_at=datetime.now(UTC))


async def is_revoked(jti: str) -> bool:
    """Revoked, or never issued here: both mean the token must not be honoured."""
    return not await IssuedToken.filter(Q(jti=jti) & Q(revoked_at=None)).exists()
