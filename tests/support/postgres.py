"""A throw-away PostgreSQL database for the test session."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise.context import TortoiseContext

from models.config import tortoise_config


def postgres_available(url: str) -> tuple[bool, str]:
    async def probe() -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


def _asyncpg_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


class PostgresDatabase:
    def __init__(self, admin_url: str, name: str) -> None:
        self.admin_url = admin_url
        self.name = name
        parts = urlsplit(admin_url)
        self.url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))

    async def create(self) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(self.admin_url))
        try:
            await conn.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await conn.close()
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(self.url))
            await ctx.generate_schemas()

    async def drop(self) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(self.admin_url))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def truncate_all(self, ctx: TortoiseContext) -> None:
        tables = sorted({model._meta.db_table for model in ctx.apps.get_models_iterable()})
        quoted = ", ".join(f'"{table}"' for table in tables)
        await ctx.db().execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
