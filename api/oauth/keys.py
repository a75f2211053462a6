"""One signing key of the embedded issuer.

The issuer keeps a *set* of them in ``PORTAL_SIGNING_KEY_FILE`` (one active, older ones
retiring: ``api.oauth.key_set``). In development the set is generated on first run; in
production the file must exist (``portal keys generate``): a service that invented a
new key at each start would invalidate every token it issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey, KeySet, RSAKey

from api.settings import Settings

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
    """The active key of the key set, creating the set first in development (see
    ``api.oauth.key_set``, which holds the file format, rotation and the reloading ``KeyRing``)."""
    from api.oauth.key_set import load_key_set

    return load_key_set(settings.signing_key_file, create=not settings.is_production).active
