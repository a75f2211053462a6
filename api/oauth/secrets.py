"""Client secrets: generated with enough entropy, stored only as a scrypt hash.

Hashing costs about 16 MiB and tens of milliseconds of CPU: callers on a request
path go through ``api.oauth.client_auth.SecretVerifier``, which bounds how many run
at once and keeps them off the event loop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def new_client_id() -> str:
    return "cli_" + secrets.token_hex(12)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def unknown_client_hash() -> str:
    """A hash with the same parameters as real ones that no secret is known to match.

    An unknown client id is verified against it, so that it costs exactly what a
    wrong secret of a real client costs: the answer's timing tells nothing.
    """
    salt, digest = secrets.token_bytes(16), secrets.token_bytes(32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            secret.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(_unb64(digest))
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, _unb64(digest))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
