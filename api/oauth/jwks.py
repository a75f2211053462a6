"""Signing keys of the issuers this service trusts, fetched and cached.

The embedded issuer's keys are local (a ``KeyRing``, which re-reads the key set
file when a token names a kid it does not know: ``api.oauth.key_set``). An external issuer's keys come from its JWKS,
found through the configured URL or the issuer's discovery document (RFC 8414,
then OpenID Connect Discovery). A token naming an unknown ``kid`` triggers a
refetch, at most once a minute per issuer, so a stream of forged ``kid`` values
cannot make this service hammer the issuer.

A slow or failing issuer costs little:

- a fetch (discovery and JWKS together) is bounded by ``timeout`` seconds
  (``PORTAL_JWKS_TIMEOUT_SECONDS``);
- concurrent requests for one issuer share one fetch (an ``asyncio`` task). Looking
  up or starting that task never awaits, so it needs no lock, and nobody waits
  behind a lock while the network is slow; a request for another issuer (or for
  this service's own) never waits at all;
- a failure is remembered for ``failure_ttl`` seconds, during which that issuer's
  tokens are refused at once, without a new fetch;
- keys fetched earlier keep verifying tokens while the issuer is down.

A failed fetch with no keys cached raises ``IssuerUnavailable`` when the issuer is
down (unreachable, too slow, HTTP 5xx or 429: the web layer answers 503 with
``Retry-After``) and ``IssuerKeysUnusable`` when it answers but not with keys
(HTTP 4xx, not a key set, a discovery document for another issuer: 401).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from api.oauth.key_set import KeyRing
from api.oauth.keys import SigningKey
from api.settings import TrustedIssuer

REFRESH_INTERVAL_SECONDS = 60.0
FETCH_TIMEOUT_SECONDS = 3.0
FAILURE_TTL_SECONDS = 30.0
DISCOVERY_PATHS = ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")

logger = logging.getLogger("portal.auth")


class KeyNotFound(Exception):
    """No key of the token's issuer carries the token's ``kid``."""


class IssuerKeysUnusable(KeyNotFound):
    """The issuer answered, but not with a key set this service can use."""


class IssuerUnavailable(Exception):
    """The issuer's keys cannot be fetched now and none are cached; retry after
    ``retry_after`` seconds (when the remembered failure expires)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class _Failure:
    unavailable: bool
    message: str
    at: float


@dataclass
class _Entry:
    keys: KeySet | None = None
    fetched_at: float = float("-inf")
    failure: _Failure | None = None
    fetching: asyncio.Task[None] | None = None


class IssuerKeys:
    """Resolves ``(issuer, kid)`` to a key set that can verify the token."""

    def __init__(
        self,
        own_issuer: str,
        own_key: SigningKey | KeyRing,
        trusted: tuple[TrustedIssuer, ...],
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        timeout: float = FETCH_TIMEOUT_SECONDS,
        failure_ttl: float = FAILURE_TTL_SECONDS,
    ) -> None:
        self.own_issuer = own_issuer
        self._own = own_key if isinstance(own_key, KeyRing) else KeyRing.fixed(own_key)
        self._trusted = {issuer.issuer: issuer for issuer in trusted}
        self._entries: dict[str, _Entry] = {name: _Entry() for name in self._trusted}
        self._http = http
        self._clock = clock
        self._timeout = timeout
        self._failure_ttl = failure_ttl

    def is_trusted(self, issuer: str) -> bool:
        return issuer == self.own_issuer or issuer in self._trusted

    async def key_set(self, issuer: str, kid: str | None) -> KeySet:
        if issuer == self.own_issuer:
            return self._matching(self._own.verification_keys(kid), kid)
        entry = self._entries[issuer]
        if entry.keys is not None and (_has_kid(entry.keys, kid) or not self._may_refresh(entry)):
            return self._matching(entry.keys, kid)
        if not self._failed_recently(entry):
            if entry.fetching is None:
                entry.fetching = asyncio.ensure_future(self._refresh(issuer, entry))
            # shield: a caller that gives up (a cancelled request) must not cancel the
            # fetch the other callers share
            await asyncio.shield(entry.fetching)
        if entry.keys is not None:
            return self._matching(entry.keys, kid)
        raise self._failure_error(issuer, entry)

    def _may_refresh(self, entry: _Entry) -> bool:
        return self._clock() - entry.fetched_at >= REFRESH_INTERVAL_SECONDS

    def _failed_recently(self, entry: _Entry) -> bool:
        return entry.failure is not None and self._clock() - entry.failure.at < self._failure_ttl

    def _failure_error(self, issuer: str, entry: _Entry) -> Exception:
        failure = entry.failure
        if failure is None:  # pragma: no cover - a refresh without keys always records a failure
            return IssuerUnavailable(f"the signing keys of {issuer} are not loaded", self._failure_ttl)
        if failure.unavailable:
            retry_after = max(0.0, self._failure_ttl - (self._clock() - failure.at))
            return IssuerUnavailable(failure.message, retry_after)
        return IssuerKeysUnusable(f"signing keys of the issuer cannot be used: {failure.message}")

    @staticmethod
    def _matching(keys: KeySet, kid: str | None) -> KeySet:
        if not _has_kid(keys, kid):
            raise KeyNotFound(f"no key with kid {kid!r}")
        return keys

    async def _refresh(self, issuer: str, entry: _Entry) -> None:
        """Fetch the issuer's keys into ``entry``, or record why not; raises only
        what it does not expect (a bug)."""
        try:
            async with asyncio.timeout(self._timeout):
                keys = await self._fetch(self._trusted[issuer])
        except Exception as exc:
            failure = _describe(exc, self._timeout)
            if failure is None:
                raise
            unavailable, message = failure
            logger.warning("signing keys of %s not fetched: %s (%s)", issuer, message, type(exc).__name__)
            entry.failure = _Failure(unavailable, message, self._clock())
        else:
            entry.keys, entry.fetched_at, entry.failure = keys, self._clock(), None
        finally:
            entry.fetching = None

    async def _fetch(self, issuer: TrustedIssuer) -> KeySet:
        http = self._client()
        jwks_uri = issuer.jwks_uri or await self._discover(http, issuer.issuer)
        response = await http.get(jwks_uri)
        response.raise_for_status()
        return KeySet.import_key_set(response.json())

    async def _discover(self, http: httpx.AsyncClient, issuer: str) -> str:
        for path in DISCOVERY_PATHS:
            response = await http.get(issuer.rstrip("/") + path)
            if response.status_code >= 500 or response.status_code == 429:
                response.raise_for_status()
            if response.status_code != 200:
                continue
            metadata = response.json()
            described = isinstance(metadata, dict) and str(metadata.get("issuer", "")) == issuer
            if not described or "jwks_uri" not in metadata:
                raise IssuerKeysUnusable(f"discovery document of {issuer} does not describe it")
            return str(metadata["jwks_uri"])
        raise IssuerKeysUnusable(f"{issuer} publishes no discovery document")

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        return self._http

    async def aclose(self) -> None:
        for entry in self._entries.values():
            if entry.fetching is not None:
                entry.fetching.cancel()
        if self._http is not None:
            await self._http.aclose()


def _describe(exc: Exception, timeout: float) -> tuple[bool, str] | None:
    """``(issuer is down, what happened)`` for an expected fetch failure, else None."""
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return True, f"the token's issuer did not answer within {timeout:g} s"
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        return status >= 500 or status == 429, f"the token's issuer answered HTTP {status}"
    if isinstance(exc, httpx.TransportError):
        return True, "the token's issuer cannot be reached"
    if isinstance(exc, IssuerKeysUnusable):
        return False, str(exc)
    if isinstance(exc, (ValueError, TypeError, KeyError, JoseError)):
        return False, "the issuer's JWKS is not a valid key set"
    return None


def _has_kid(keys: KeySet, kid: str | None) -> bool:
    if kid is None:
        return len(keys.keys) == 1
    return any(key.kid == kid for key in keys.keys)
