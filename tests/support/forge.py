"""Hand-built JWTs for the rejection tests: every way a token can be wrong."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from api.oauth.keys import SigningKey

_DROP = object()


def claims(issuer: str, audience: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": issuer,
        "aud": [audience],
        "sub": "owner",
        "client_id": "portal-console",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 600,
        "scope": "billing:read",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not _DROP}


def sign(key: SigningKey | RSAKey, payload: dict[str, Any], **header: Any) -> str:
    raw = key.key if isinstance(key, SigningKey) else key
    protected = {"alg": "RS256", "typ": "at+jwt", "kid": raw.kid}
    protected.update(header)
    protected = {k: v for k, v in protected.items() if v is not _DROP}
    return jwt.encode(protected, payload, KeySet([raw]))


def unsigned(payload: dict[str, Any]) -> str:
    """``alg: none``: a token with no signature at all."""
    return f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{_b64(payload)}."


def hmac_with_public_key(key: SigningKey, payload: dict[str, Any]) -> str:
    """The classic confusion attack: HS256 keyed with the issuer's public key."""
    public_pem = key.key.as_pem(private=False)
    head = f"{_b64({'alg': 'HS256', 'typ': 'at+jwt', 'kid': key.kid})}.{_b64(payload)}"
    signature = hmac.new(public_pem, head.encode(), hashlib.sha256).digest()
    return f"{head}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


DROP = _DROP
