"""The database being unavailable: how it is bounded and how it is recognised.

``client_class`` makes this module a Tortoise engine (``models.config`` selects it for
PostgreSQL when the service sets timeouts): Tortoise's asyncpg client, plus

- a bound on waiting for a pooled connection (Tortoise calls ``pool.acquire()``
  without a timeout, so with every connection busy a request would wait forever);
- no queue of connection attempts behind Tortoise's pool-creation lock: after a
  failed attempt, callers fail at once for a few seconds instead of each trying
  (and, against a server that accepts and never answers, waiting) in turn.

``is_database_unavailable`` tells a failure to reach the database (refused, timed
out, dropped, pool exhausted, server shutting down or locked) from a bug (a bad
query), so the web layer can answer the first with 503 and the second with 500.
"""

from __future__ import annotations

import sqlite3
import time
import traceback
from collections.abc import Iterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.exceptions import DBConnectionError, OperationalError

MAX_FAIL_FAST_SECONDS = 5.0
"""After a failed connection attempt, how long (at most) others fail without trying."""

_DRIVER_PACKAGES = ("asyncpg", "tortoise", "aiosqlite", "sqlite3")
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error")
_INTERFACE_UNAVAILABLE = ("connection is closed", "pool is closing", "pool is closed")


class DatabaseUnavailable(DBConnectionError):
    """The database could not be reached just now; retrying later may succeed."""


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it was raised from or during) means the
    database could not be reached or did not answer in time."""
    return any(_unavailable(error) for error in _chain(exc))


def _unavailable(error: BaseException) -> bool:
    if isinstance(error, DBConnectionError):
        return True
    if isinstance(
        error,
        (
            asyncpg.PostgresConnectionError,  # class 08: the connection failed or was dropped
            asyncpg.InsufficientResourcesError,  # class 53: too many connections, out of memory or disk
            asyncpg.OperatorInterventionError,  # class 57: statement cancelled, server shutting down
        ),
    ):
        return True
    message = str(error).lower()
    if isinstance(error, asyncpg.InterfaceError):
        return any(text in message for text in _INTERFACE_UNAVAILABLE)
    if isinstance(error, (OperationalError, sqlite3.OperationalError)):
        return any(text in message for text in _SQLITE_UNAVAILABLE)
    # Refused, reset, unreachable, a connect or statement timeout, a pool wait that
    # timed out: OSError (TimeoutError is one) raised inside the driver. The same
    # exception raised elsewhere (a request's own time budget, a file) is not ours.
    return isinstance(error, OSError) and _raised_in_driver(error)


def _raised_in_driver(error: BaseException) -> bool:
    for frame, _ in traceback.walk_tb(error.__traceback__):
        module = str(frame.f_globals.get("__name__", ""))
        if module.split(".", 1)[0] in _DRIVER_PACKAGES or module == __name__:
            return True
    return False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, what it was raised from or while handling, and the members of groups."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending and len(seen) < 50:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        if isinstance(error, BaseExceptionGroup):
            pending.extend(error.exceptions)
        pending.extend(e for e in (error.__cause__, error.__context__) if e is not None)


class _AcquireWithTimeout:
    """An asyncpg pool whose ``acquire()`` waits at most ``timeout`` by default."""

    def __init__(self, pool: Any, timeout: float) -> None:
        self._pool = pool
        self._timeout = timeout

    def acquire(self, *, timeout: float | None = None) -> Any:
        return self._pool.acquire(timeout=self._timeout if timeout is None else timeout)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


async def _keep_session(connection: Any) -> None:
    """The pool's reset of a released connection: nothing beyond what asyncpg always
    does (roll back a transaction left open, drop listeners). asyncpg's default also
    sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` after
    *every* statement Tortoise runs outside a transaction (it acquires and releases
    per statement), doubling the round trips. The service leaves no session state
    behind: no session-level advisory locks (use ``pg_advisory_xact_lock``), no
    ``LISTEN``, no cursors outside transactions, no ``SET`` (use ``SET LOCAL``)."""


class PortalAsyncpgClient(AsyncpgDBClient):
    """Tortoise's asyncpg client with a bounded pool wait and no queue of connection
    attempts (see the module's docstring). ``acquire_timeout`` is in seconds."""

    def __init__(self, *args: Any, acquire_timeout: float | str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout = None if acquire_timeout is None else float(acquire_timeout)
        connect_timeout = self.extra.get("timeout")
        self.fail_fast_seconds = min(float(connect_timeout or MAX_FAIL_FAST_SECONDS), MAX_FAIL_FAST_SECONDS)
        self._failed_at: float | None = None

    async def create_connection(self, with_db: bool) -> None:
        failed_at = self._failed_at
        if failed_at is not None and time.monotonic() - failed_at < self.fail_fast_seconds:
            raise DatabaseUnavailable("the database refused or did not answer a connection moments ago")
        try:
            await super().create_connection(with_db)
        except Exception:
            self._failed_at = time.monotonic()
            raise
        self._failed_at = None

    async def create_pool(self, **kwargs: Any) -> Any:
        kwargs.setdefault("reset", _keep_session)
        pool = await super().create_pool(**kwargs)
        return pool if self.acquire_timeout is None else _AcquireWithTimeout(pool, self.acquire_timeout)


client_class = PortalAsyncpgClient
