"""The migrations build the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector

from models.accounts import Account
from models.config import tortoise_config
from tests.conftest import _PG_OK, POSTGRES_URL
from tests.support.postgres import PostgresDatabase


async def _migrate_and_list_tables(url: str) -> set[str]:
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await migrate(config=tortoise_config(url))
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        if url.startswith("sqlite"):
            rows = await ctx.db().execute_query_dict("SELECT name FROM sqlite_master WHERE type='table'")
            return {row["name"] for row in rows}
        rows = await ctx.db().execute_query_dict("SELECT tablename AS name FROM pg_tables WHERE schemaname='public'")
        return {row["name"] for row in rows}


def _model_tables(ctx: TortoiseContext) -> set[str]:
    return {model._meta.db_table for model in ctx.apps.get_models_iterable()}


async def test_migrations_create_every_model_table_on_sqlite(tmp_path):
    url = f"sqlite://{tmp_path}/migrated.sqlite3"
    tables = await _migrate_and_list_tables(url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        assert _model_tables(ctx) <= tables


@pytest.mark.skipif(not _PG_OK, reason="PostgreSQL not reachable")
async def test_migrations_create_every_model_table_on_postgres():
    database = PostgresDatabase(POSTGRES_URL, "portal_migrations_check")
    await database.drop()
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL.replace("postgres://", "postgresql://"))
    await conn.execute('CREATE DATABASE "portal_migrations_check"')
    await conn.close()
    try:
        tables = await _migrate_and_list_tables(database.url)
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(database.url))
            assert _model_tables(ctx) <= tables
    finally:
        await database.drop()


async def test_models_have_no_changes_missing_a_migration(tmp_path):
    """Fails when a model changed without `make migrations`."""
    config = tortoise_config(f"sqlite://{tmp_path}/drift.sqlite3")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config, init_connections=False)
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    assert [w.name for w in writers] == [], "models changed without a migration: run `make migrations`"


async def _invoice_before_counterparty(url: str) -> None:
    """Migrate to 0010, then write an account and an invoice as a 0010 database held them."""
    EXECUTOR_CACHE.clear()
    async with TortoiseContext():
        await migrate(config=tortoise_config(url), target="portal.0010_credit_notes")
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        account = await Account.create(name="Old K.K.")
        mark = "$1" if url.startswith("postgres") else "?"
        await ctx.db().execute_query(
            "INSERT INTO invoices (account_id, coverage, number, year, sequence, issue_date, due_date, payment_terms, "
            "bill_to, issuer, language, status, charge_state, created_at) VALUES "
            f"({mark}, 'JP', 'JP-2025-000001', 2025, 1, '2025-01-01', '2025-01-31', 'NET_30', "
            """'{"company_name": "株式会社オールド"}', '{"name": "Issuer"}', 'ja', 'ISSUED', 'NONE', '2025-01-01')""",
            [account.id if url.startswith("postgres") else str(account.id)],
        )


async def _counterparties(url: str) -> list[tuple[str, bool]]:
    EXECUTOR_CACHE.clear()
    async with TortoiseContext():
        await migrate(config=tortoise_config(url))
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        rows = await ctx.db().execute_query_dict("SELECT counterparty, document_pending FROM invoices")
        return [(row["counterparty"], bool(row["document_pending"])) for row in rows]


async def test_invoices_issued_before_get_their_counterparty_and_join_the_document_queue(tmp_path):
    url = f"sqlite://{tmp_path}/old.sqlite3"
    await _invoice_before_counterparty(url)
    assert await _counterparties(url) == [("株式会社オールド", True)]
