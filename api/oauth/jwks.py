"""Signing keys of the issuers this service trusts, fetched and cached.

The embedded issuer's key is local. An external issuer's keys come from its JWKS,
found through the configured URL or the issuer's discovery document (RFC 8414,
then OpenID Connect Discovery). A token naming an unknown ``kid`` triggers a
refetch, at most once a minute per issuer, so a stream of forged ``kid`` values
cannot make this service hammer the issuer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from joserfc.jwk import KeySet

from api.oauth.keys import SigningKey
from api.settings import TrustedIssuer

REFRESH_INTERVAL_SECONDS = 60.0
DISCOVERY_PATHS = ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")


class KeyNotFound(Exception):
    """No key of the token's issuer carries the token's ``kid``."""


@dataclass
class _Entry:
    keys: KeySet | None = None
    fetched_at: float = float("-inf")
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class IssuerKeys:
    """Resolves ``(issuer, kid)`` to a key set that can verify the token."""

    def __init__(
        self,
        own_issuer: str,
        own_key: SigningKey,
        trusted: tuple[TrustedIssuer, ...],
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.own_issuer = own_issuer
        self._own_keys = own_key.public_key_set
        self._trusted = {issuer.issuer: issuer for issuer in trusted}
        self._entries: dict[str, _Entry] = {name: _Entry() for name in self._trusted}
        self._http = http
        self._clock = clock

    def is_trusted(self, issuer: str) -> bool:
        return issuer == self.own_issuer or issuer in self._trusted

    async def key_set(self, issuer: str, kid: str | None) -> KeySet:
        if issuer == self.own_issuer:
            return self._matching(self._own_keys, kid)
        entry = self._entries[issuer]
        async with entry.lock:
            if entry.keys is None or (not _has_kid(entry.keys, kid) and self._may_refresh(entry)):
                entry.keys = await self._fetch(self._trusted[issuer])
                entry.fetched_at = self._clock()
        return self._matching(entry.keys, kid)

    def _may_refresh(self, entry: _Entry) -> bool:
        return self._clock() - entry.fetched_at >= REFRESH_INTERVAL_SECONDS

    @staticmethod
    def _matching(keys: KeySet, kid: str | None) -> KeySet:
        if not _has_kid(keys, kid):
            raise KeyNotFound(f"no key with kid {kid!r}")
        return keys

    async def _fetch(self, issuer: TrustedIssuer) -> KeySet:
        http = self._client()
        jwks_uri = issuer.jwks_uri or await self._discover(http, issuer.issuer)
        response = await http.get(jwks_uri)
        response.raise_for_status()
        return KeySet.import_key_set(response.json())

    async def _discover(self, http: httpx.AsyncClient, issuer: str) -> str:
        for path in DISCOVERY_PATHS:
            response = await http.get(issuer + path)
            if response.status_code != 200:
                continue
            metadata = response.json()
            if metadata.get("issuer", "").rstrip("/") != issuer or "jwks_uri" not in metadata:
                raise KeyNotFound(f"discovery document of {issuer} does not describe it")
            return str(metadata["jwks_uri"])
        raise KeyNotFound(f"{issuer} publishes no discovery document")

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=5.0, follow_redirects=False)
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()


def _has_kid(keys: KeySet, kid: str | None) -> bool:
    if kid is None:
        return len(keys.keys) == 1
    return any(key.kid == kid for key in keys.keys)
