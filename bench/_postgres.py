"""Throw-away PostgreSQL databases for the benchmarks (``PORTAL_BENCH_POSTGRES_URL``,
default ``postgres://postgres@127.0.0.1:5432/postgres``: the server and an existing
database to connect to while creating and dropping the benchmark's own)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

PG_URL = os.environ.get("PORTAL_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def dsn(name: str | None = None, scheme: str = "postgresql") -> str:
    """``PG_URL`` for asyncpg (``postgresql://``), naming database ``name`` if given."""
    parts = urlsplit(PG_URL)
    return urlunsplit((scheme, parts.netloc, f"/{name}" if name else parts.path, parts.query, ""))


def tortoise_url(name: str) -> str:
    """The service's ``PORTAL_DATABASE_URL`` for database ``name``."""
    return dsn(name, scheme=urlsplit(PG_URL).scheme)


def new_name() -> str:
    return f"portal_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"


async def admin(statement: str) -> None:
    """Run ``statement`` on ``PG_URL``'s own database (CREATE or DROP DATABASE)."""
    import asyncpg

    conn = await asyncpg.connect(dsn(), timeout=3)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def unreachable() -> tuple[type[BaseException], ...]:
    """The errors that mean "no PostgreSQL here": the benchmark is skipped, not failed."""
    import asyncpg

    return (OSError, asyncpg.PostgresError, asyncio.TimeoutError)


@asynccontextmanager
async def throwaway_database() -> AsyncIterator[str | None]:
    """A new database (its ``tortoise_url``), dropped on exit; None without PostgreSQL."""
    name = new_name()
    try:
        await admin(f'CREATE DATABASE "{name}"')
    except unreachable():
        yield None
        return
    try:
        yield tortoise_url(name)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
