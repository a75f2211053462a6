"""The embedded issuer's signing key.

In development a key is generated on first run and kept in ``PORTAL_SIGNING_KEY_FILE``
(a private JWK, readable only by its owner). In production the file must exist: a
service that invented a new key at each start would invalidate every token it issued.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, KeySet, RSAKey

from api.settings import Settings, SettingsError

SIGNING_ALGORITHMS = {"RSA": "RS256", "EC": "ES256"}


@dataclass(frozen=True)
class SigningKey:
    key: RSAKey | ECKey

    @property
    def kid(self) -> str:
        return self.key.kid or ""

    @property
    def alg(self) -> str:
        return SIGNING_ALGORITHMS[self.key.key_type]

    @property
    def public_jwks(self) -> dict[str, Any]:
        """The JWKS served at ``/oauth/jwks``: public parts only."""
        return KeySet([self.key]).as_dict(private=False)

    @property
    def public_key_set(self) -> KeySet:
        return KeySet.import_key_set(self.public_jwks)


def generate_signing_key() -> SigningKey:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True, auto_kid=True)
    return SigningKey(key)


def load_signing_key(settings: Settings) -> SigningKey:
    """Read the signing key, creating it first in development."""
    path = settings.signing_key_file
    if not path.exists():
        if settings.is_production:
            raise SettingsError(
                "PORTAL_SIGNING_KEY_FILE", f"{path} does not exist; production will not invent a key"
            )
        key = generate_signing_key()
        _write_private(path, key.key.as_dict(private=True))
        return key
    try:
        data = json.loads(path.read_text())
        key = RSAKey.import_key(data) if data.get("kty") == "RSA" else ECKey.import_key(data)
    except (OSError, ValueError, KeyError) as exc:
        raise SettingsError("PORTAL_SIGNING_KEY_FILE", f"{path} is not a private RSA or EC JWK ({exc})") from None
    if not key.is_private:
        raise SettingsError("PORTAL_SIGNING_KEY_FILE", f"{path} holds a public key; a private key is needed")
    if not key.kid:
        key = type(key).import_key(data, parameters={"kid": key.thumbprint()})
    return SigningKey(key)


def _write_private(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
