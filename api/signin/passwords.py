"""Passwords of local users: argon2id hashes, computed off the event loop.

Each hash costs 64 MiB and tens of milliseconds (argon2-cffi's defaults, the RFC 9106
low-memory profile): at most ``concurrency`` run at once across the process, in
worker threads, like client secrets (``api.oauth.client_auth.SecretVerifier``). An
unknown user name is checked against a dummy hash, so that it costs the same as a
wrong password.
"""

from __future__ import annotations

import secrets

from anyio import CapacityLimiter, to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1_024
"""Longer is refused without hashing: the hash of a huge input is a denial of service."""


class Passwords:
    def __init__(self, concurrency: int) -> None:
        self._hasher = PasswordHasher()
        self._limiter = CapacityLimiter(concurrency)
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await to_thread.run_sync(self._hasher.hash, password, limiter=self._limiter)

    async def verify(self, password: str, stored_hash: str | None) -> bool:
        """True if ``password`` matches ``stored_hash``; ``None`` (no such user) costs
        one verification too and is always False."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return False
        return await to_thread.run_sync(self._verify, password, stored_hash, limiter=self._limiter)

    def needs_rehash(self, stored_hash: str) -> bool:
        """The hash was made with weaker parameters than today's."""
        return self._hasher.check_needs_rehash(stored_hash)

    def _verify(self, password: str, stored_hash: str | None) -> bool:
        if stored_hash is None:
            self._dummy_hash = self._dummy_hash or self._hasher.hash(secrets.token_urlsafe(32))
            self._matches(self._dummy_hash, password)
            return False
        return self._matches(stored_hash, password)

    def _matches(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
