"""Failed authentications, counted per identity and per remote address: client
authentication at the token endpoints (per client id) and sign-in on the sign-in
page (per user name, ``FailureThrottle.for_sign_in``).

Each key (``("client", client_id)``, ``("user", name)`` or ``("address", address)``) may fail a fixed
number of times in a moving window (the ``limits`` library keeps the windows, in
memory, per process). A request whose keys have used their budget is refused
before anything is looked up or hashed.

Attempts in flight count against the budget too: a key with ``n`` failures left
has at most ``n`` attempts being verified at once, and further attempts wait for
one of them to finish. So 64 parallel guesses cost as many hashes as 64
sequential ones (the budget), and a legitimate client that authenticates many
times at once is made to wait, not refused. Successful attempts consume nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from collections import Counter
from collections.abc import Sequence

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

CLIENT, ADDRESS, USER = "client", "address", "user"
Key = tuple[str, str]


class Throttled(Exception):
    """Too many failures for one of the request's keys; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"throttled for {retry_after} s")
        self.retry_after = retry_after


def address_key(host: str | None) -> Key:
    """The key of a remote address. An IPv6 address counts as its /64, the block a
    single host is usually given, so that rotating addresses inside it gains nothing."""
    if not host:
        return (ADDRESS, "unknown")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return (ADDRESS, host)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return (ADDRESS, str(ipaddress.IPv6Network((ip, 64), strict=False)))
    return (ADDRESS, str(ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else ip))


class FailureThrottle:
    def __init__(self, per_client: int, per_address: int, window_seconds: int, *, per_user: int | None = None) -> None:
        self._items: dict[str, RateLimitItem] = {
            CLIENT: RateLimitItemPerSecond(per_client, window_seconds),
            ADDRESS: RateLimitItemPerSecond(per_address, window_seconds),
        }
        if per_user is not None:
            self._items[USER] = RateLimitItemPerSecond(per_user, window_seconds)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._in_flight: Counter[Key] = Counter()
        self._settled: asyncio.Event | None = None

    @classmethod
    def for_sign_in(cls, per_user: int, per_address: int, window_seconds: int) -> FailureThrottle:
        """Failed sign-ins, per user name (``USER`` keys) and per remote address."""
        return cls(per_user, per_address, window_seconds, per_user=per_user)

    def check(self, keys: Sequence[Key]) -> None:
        """Raise ``Throttled`` if any key has no failures left in its window."""
        waits = []
        for kind, value in keys:
            stats = self._limiter.get_window_stats(self._items[kind], kind, value)
            if stats.remaining <= 0:
                waits.append(math.ceil(stats.reset_time - time.time()))
        if waits:
            raise Throttled(max(1, *waits))

    async def reserve(self, keys: Sequence[Key]) -> None:
        """Take one attempt on every key, waiting while attempts in flight could use
        up what is left; raise ``Throttled`` when nothing is left. Every successful
        call must be followed by ``settle``."""
        while True:
            self.check(keys)
            if all(self._failures(key) + self._in_flight[key] < self._items[key[0]].amount for key in keys):
                self._in_flight.update(keys)
                return
            if self._settled is None:
                self._settled = asyncio.Event()
            await self._settled.wait()

    def settle(self, keys: Sequence[Key], *, failed: bool) -> None:
        """An attempt taken by ``reserve`` is over; a failure is counted on every key."""
        self._in_flight.subtract(keys)
        for key in keys:
            if self._in_flight[key] <= 0:
                del self._in_flight[key]
        if failed:
            self.record_failure(keys)
        else:
            self._wake()

    def record_failure(self, keys: Sequence[Key]) -> None:
        for kind, value in keys:
            self._limiter.hit(self._items[kind], kind, value)
        self._wake()

    def _failures(self, key: Key) -> int:
        item = self._items[key[0]]
        return item.amount - self._limiter.get_window_stats(item, *key).remaining

    def _wake(self) -> None:
        if self._settled is not None:
            self._settled.set()
            self._settled = None
