"""Strict validation of RFC 9068 JWT access tokens presented to this service.

Checked, in order: the compact form, an algorithm on the allow-list (so ``none``
and HMAC signed with a public key never verify), ``typ`` = ``at+jwt`` (a missing
``typ`` is refused too), a trusted ``iss``, the signature with that issuer's key
for the token's ``kid``, then the claims: ``aud`` contains this service,
``exp``/``nbf``/``iat`` with at most 60 s leeway, and ``sub``, ``jti``,
``client_id`` present, printable and no longer than the service stores them. Tokens of the embedded issuer are also checked against
revocation.

An external issuer whose keys cannot be fetched is not the token's fault: that
``IssuerUnavailable`` passes through (the web layer answers 503), as does a
database that cannot answer the revocation check.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from api.oauth.jwks import IssuerKeys, IssuerKeysUnusable, KeyNotFound

ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
ACCEPTED_TYPES = ("at+jwt", "application/at+jwt")
LEEWAY_SECONDS = 60
MAX_TOKEN_BYTES = 8_192
MAX_CLAIM_LENGTH = 255
"""The longest ``sub``, ``jti`` or ``client_id`` accepted from any issuer (the stored subject's width)."""
MAX_OWN_ID_LENGTH = 64
"""The embedded issuer's ``jti`` and ``client_id`` are never longer (the width they are stored in)."""


class InvalidToken(Exception):
    """The presented access token is not acceptable; ``str()`` says why."""


class AccessTokenValidator:
    def __init__(
        self,
        issuer_keys: IssuerKeys,
        audience: str,
        is_revoked: Callable[[str], Awaitable[bool]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer_keys = issuer_keys
        self.audience = audience
        self._is_revoked = is_revoked
        self._clock = clock

    async def validate(self, token: str) -> dict[str, Any]:
        """Return the token's claims, or raise ``InvalidToken``."""
        claims, revocable = await self.validate_signed(token)
        if revocable and await self._is_revoked(claims["jti"]):
            raise InvalidToken("token has been revoked")
        return claims

    async def is_revoked(self, jti: str) -> bool:
        """The revocation check this validator was built with (for ``validate_signed``'s caller)."""
        return await self._is_revoked(jti)

    async def validate_signed(self, token: str) -> tuple[dict[str, Any], bool]:
        """Everything ``validate`` checks but revocation: the claims, and whether the
        token is the embedded issuer's, whose revocation the caller MUST then check
        itself (``/graphql`` does it in the statement that finds the member)."""
        header, unverified = _parse(token)
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or not self.issuer_keys.is_trusted(issuer):
            raise InvalidToken("issuer is not trusted")
        try:
            keys = await self.issuer_keys.key_set(issuer, header.get("kid"))
            verified = jwt.decode(token, keys, algorithms=list(ALLOWED_ALGORITHMS))
        except IssuerKeysUnusable as exc:
            raise InvalidToken(str(exc)) from None
        except KeyNotFound:
            raise InvalidToken("signing key is unknown") from None
        except JoseError:
            raise InvalidToken("signature is invalid") from None
        claims = dict(verified.claims)
        self._check_claims(claims, issuer)
        return claims, issuer == self.issuer_keys.own_issuer

    def _check_claims(self, claims: dict[str, Any], issuer: str) -> None:
        registry = JWTClaimsRegistry(
            now=int(self._clock()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            sub={"essential": True},
            jti={"essential": True},
            client_id={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            aud={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise InvalidToken(f"claims are invalid: {exc.description or exc.error}") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if self.audience not in audiences:
            raise InvalidToken("audience does not include this service")
        for name in ("sub", "jti", "client_id"):
            value = claims[name]
            if not isinstance(value, str) or not value:
                raise InvalidToken(f"claim {name} must be a non-empty string")
            longest = MAX_OWN_ID_LENGTH if issuer == self.issuer_keys.own_issuer and name != "sub" else MAX_CLAIM_LENGTH
            if len(value) > longest:
                raise InvalidToken(f"claim {name} is longer than {longest} characters")
            if not value.isprintable():
                raise InvalidToken(f"claim {name} contains control characters")
        if "scope" in claims and not isinstance(claims["scope"], str):
            raise InvalidToken("claim scope must be a string")


def _parse(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split the compact JWS and check its header before any key is looked up."""
    if len(token) > MAX_TOKEN_BYTES:
        raise InvalidToken("token is too large")
    try:
        compact = jws.extract_compact(token.encode("ascii"))
        header = dict(compact.protected)
        claims = json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError):
        raise InvalidToken("token is malformed") from None
    if not isinstance(claims, dict):
        raise InvalidToken("token is malformed")
    if header.get("alg") not in ALLOWED_ALGORITHMS:
        raise InvalidToken("signing algorithm is not allowed")
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYPES:
        raise InvalidToken("token type (typ) must be at+jwt")
    return header, claims
