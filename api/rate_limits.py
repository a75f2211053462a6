"""Fair limits on ``/graphql``: a token bucket per caller (docs/limits.md).

Whose bucket a request takes from is decided once the token is checked:

- a partner client (client credentials: the token's subject *is* its client id)
  takes from the bucket of its client id, at ``PORTAL_RATE_LIMIT_CLIENT_*``;
- a person (any other token) takes from the bucket of their subject, at
  ``PORTAL_RATE_LIMIT_SUBJECT_*``: the console is one public client shared by
  every person, so people are never counted by client id.

Staff are counted the same way (no exemption). A rate of 0 turns that kind of
bucket off.

The bucket is GCRA (the generic cell rate algorithm, a token bucket kept as one
number, the "theoretical arrival time"): ``burst`` requests may come at once, then
one more every ``60 / per_minute`` seconds. ``gcra`` is the rule as a pure
function; ``MemoryBuckets`` applies it per process, ``RedisBuckets`` applies the
same rule atomically in Redis (one Lua script) so that every process of a
deployment shares one budget. Redis unreachable: the process falls back to its
own memory buckets (so each process enforces the budget alone) and logs a warning
at most once a minute, trying Redis again after ``REDIS_RETRY_SECONDS``.

Every answered request carries ``RateLimit-Limit`` (the burst), ``RateLimit-Remaining``
(whole requests left now), ``RateLimit-Reset`` (seconds until the bucket is full
again) and ``RateLimit-Policy`` (``<per minute>;w=60;burst=<burst>``); a refused one
is HTTP 429 with ``Retry-After`` and a ``RATE_LIMITED`` GraphQL error.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.settings import Settings
from billing.access.caller import Caller
from schema.error_codes import GraphQLErrorCode

logger = logging.getLogger("portal.rate_limits")

RATE_LIMIT_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy", "retry-after")
"""The headers a limited answer carries (exposed to browsers by CORS)."""

Now = Callable[[], float]
"""A clock in seconds (any origin); tests inject one they move by hand."""

REDIS_TIMEOUT_SECONDS = 0.5
"""Longest wait for Redis to connect or answer before the process falls back to memory."""
REDIS_RETRY_SECONDS = 5.0
"""After a Redis failure, how long the process uses its memory buckets before trying Redis again."""
_WARN_EVERY_SECONDS = 60.0
_PRUNE_EVERY = 1_024
"""Memory buckets: every this many takes, full buckets (the same as absent ones) are dropped."""


@dataclass(frozen=True)
class Rate:
    """``per_minute`` requests a minute on average, ``burst`` at once."""

    per_minute: int
    burst: int

    @property
    def interval(self) -> float:
        """Seconds between two requests at the sustained rate."""
        return 60.0 / self.per_minute

    @property
    def policy(self) -> str:
        """The ``RateLimit-Policy`` value."""
        return f"{self.per_minute};w=60;burst={self.burst}"


@dataclass(frozen=True)
class Decision:
    """What one bucket said about one request."""

    allowed: bool
    rate: Rate
    remaining: int
    reset: float
    """Seconds until the bucket is full again."""
    retry_after: float = 0.0
    """Seconds until one request would be allowed (0 when allowed)."""

    def headers(self) -> list[tuple[bytes, bytes]]:
        values = [
            ("ratelimit-limit", str(self.rate.burst)),
            ("ratelimit-remaining", str(self.remaining)),
            ("ratelimit-reset", str(math.ceil(round(self.reset, 6)))),
            ("ratelimit-policy", self.rate.policy),
        ]
        if not self.allowed:
            values.append(("retry-after", str(self.retry_after_seconds)))
        return [(name.encode(), value.encode()) for name, value in values]

    @property
    def retry_after_seconds(self) -> int:
        """``retry_after`` in whole seconds, at least 1 (``Retry-After`` takes integers)."""
        return max(1, math.ceil(round(self.retry_after, 6)))


def gcra(tat: float | None, now: float, rate: Rate) -> tuple[float | None, Decision]:
    """The GCRA rule: with the bucket's theoretical arrival time ``tat`` (None: a
    full bucket), may a request come at ``now``? Returns the new ``tat`` to store
    (None when refused: nothing changes) and the decision.

    ``RedisBuckets._SCRIPT`` is this function in Lua; keep them alike."""
    interval = rate.interval
    tat = now if tat is None or tat < now else tat
    new_tat = tat + interval
    allow_at = new_tat - rate.burst * interval
    if now < allow_at:
        return None, Decision(False, rate, 0, tat - now, allow_at - now)
    remaining = math.floor(round((now - allow_at) / interval, 6))
    return new_tat, Decision(True, rate, remaining, new_tat - now)


class Buckets(Protocol):
    async def take(self, key: str, rate: Rate) -> Decision: ...

    async def aclose(self) -> None: ...


class MemoryBuckets:
    """The buckets of this process only (the default)."""

    def __init__(self, now: Now = time.monotonic) -> None:
        self.now = now
        self._tats: dict[str, float] = {}
        self._takes = 0

    async def take(self, key: str, rate: Rate) -> Decision:
        return self.take_now(key, rate)

    def take_now(self, key: str, rate: Rate) -> Decision:
        """Synchronous, hence atomic on the event loop."""
        now = self.now()
        new_tat, decision = gcra(self._tats.get(key), now, rate)
        if new_tat is not None:
            self._tats[key] = new_tat
        self._takes += 1
        if self._takes % _PRUNE_EVERY == 0:
            self._tats = {k: tat for k, tat in self._tats.items() if tat > now}
        return decision

    async def aclose(self) -> None:
        return None


class RedisBuckets:
    """Buckets in Redis, shared by every process using the same ``url`` and ``prefix``.

    With no ``now``, the script reads Redis' own clock (``TIME``), so processes on
    machines whose clocks differ still agree; tests pass ``now`` to move time."""

    # KEYS[1]: the bucket; ARGV: interval (ms), burst, now (ms; empty: Redis' clock).
    _SCRIPT = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if now < allow_at then
  return {0, 0, tostring(tat - now), tostring(allow_at - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.max(1, math.ceil(new_tat - now)))
return {1, math.floor((now - allow_at) / interval + 1e-6), tostring(new_tat - now), '0'}
"""

    def __init__(self, url: str, prefix: str, *, now: Now | None = None, fallback: MemoryBuckets | None = None) -> None:
        self.url = url
        self.prefix = prefix
        self.now = now
        self.fallback = fallback or MemoryBuckets()
        self._client: aioredis.Redis | None = None
        self._script: Any = None
        self._down_until = 0.0
        self._warned_at = -math.inf

    def _connect(self) -> Any:
        if self._client is None:
            self._client = aioredis.Redis.from_url(
                self.url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
            )
            self._script = self._client.register_script(self._SCRIPT)
        return self._script

    async def take(self, key: str, rate: Rate) -> Decision:
        if time.monotonic() < self._down_until:
            return self.fallback.take_now(key, rate)
        now = "" if self.now is None else f"{self.now() * 1000:.3f}"
        try:
            script = self._connect()
            allowed, remaining, reset, retry_after = await script(
                keys=[f"{self.prefix}ratelimit:{key}"], args=[rate.interval * 1000, rate.burst, now]
            )
        except (RedisError, OSError, TimeoutError) as exc:
            self._redis_failed(exc)
            return self.fallback.take_now(key, rate)
        return Decision(bool(allowed), rate, int(remaining), float(reset) / 1000, float(retry_after) / 1000)

    def _redis_failed(self, exc: Exception) -> None:
        at = time.monotonic()
        self._down_until = at + REDIS_RETRY_SECONDS
        if at - self._warned_at >= _WARN_EVERY_SECONDS:
            self._warned_at = at
            logger.warning(
                "Redis at %s failed (%s: %s): rate limits fall back to this process's memory for %g s",
                _without_password(self.url), type(exc).__name__, exc, REDIS_RETRY_SECONDS,
            )

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{'***@' if at else ''}{host}" if sep else url


class RateLimiter:
    """Which bucket a caller takes from, and at what rate."""

    def __init__(self, buckets: Buckets, *, client: Rate | None, subject: Rate | None) -> None:
        self.buckets = buckets
        self.client = client
        self.subject = subject

    @classmethod
    def unlimited(cls) -> RateLimiter:
        return cls(MemoryBuckets(), client=None, subject=None)

    @classmethod
    def from_settings(cls, settings: Settings, now: Now | None = None) -> RateLimiter:
        """Memory buckets, or Redis ones with ``PORTAL_REDIS_URL``. ``now``: the
        clock (default: monotonic time in memory, Redis' clock in Redis)."""
        memory = MemoryBuckets(now) if now is not None else MemoryBuckets()
        buckets: Buckets = memory
        if settings.redis_url:
            buckets = RedisBuckets(settings.redis_url, settings.redis_key_prefix, now=now, fallback=memory)
        return cls(
            buckets,
            client=_rate(settings.rate_limit_client_per_minute, settings.rate_limit_client_burst),
            subject=_rate(settings.rate_limit_subject_per_minute, settings.rate_limit_subject_burst),
        )

    def bucket_of(self, caller: Caller) -> tuple[str, Rate] | None:
        """The bucket ``caller`` takes from (None: not limited)."""
        if caller.subject == caller.client_id:
            return (f"client:{caller.client_id}", self.client) if self.client else None
        return (f"subject:{caller.subject}", self.subject) if self.subject else None

    async def take(self, caller: Caller) -> Decision | None:
        bucket = self.bucket_of(caller)
        if bucket is None:
            return None
        return await self.buckets.take(*bucket)

    async def serve(self, caller: Caller, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Run ``app`` if ``caller`` has a request left (its answer carries the
        ``RateLimit-*`` headers), else answer 429."""
        decision = await self.take(caller)
        if decision is None:
            await app(scope, receive, send)
            return
        if not decision.allowed:
            logger.info("rate limited %s for %s s", self.bucket_of(caller), decision.retry_after_seconds)
            await refusal(decision)(scope, receive, send)
            return
        headers = decision.headers()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        await app(scope, receive, send_with_headers)

    async def aclose(self) -> None:
        await self.buckets.aclose()


def refusal(decision: Decision) -> JSONResponse:
    """HTTP 429: a GraphQL-shaped ``RATE_LIMITED`` error, ``Retry-After`` and the bucket's headers."""
    seconds = decision.retry_after_seconds
    body = {"errors": [{
        "message": f"Too many requests: retry in {seconds} s.",
        "extensions": {"code": GraphQLErrorCode.RATE_LIMITED.value, "retryAfter": seconds},
    }]}
    response = JSONResponse(body, status_code=429)
    response.raw_headers.extend(decision.headers())
    return response


def _rate(per_minute: int, burst: int) -> Rate | None:
    return Rate(per_minute, burst) if per_minute > 0 else None
