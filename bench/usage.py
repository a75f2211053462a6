"""Usage ingestion throughput: consumption records per second, SQLite and PostgreSQL.

500 subscriptions with two active lines each are seeded with bulk inserts. Then:
the baseline records 1,000 records one ``record_usage`` call at a time; the batch
case ingests 10,000 records as 10 ``record_usage_batch`` calls of 1,000 (the
records of a batch spread over every line, so each call locks all 500
subscriptions); the replay case sends those 10,000 again (every record is
answered from its idempotency key, nothing is stored). The target is at least
2,000 records/s for the batch case on PostgreSQL.

PostgreSQL comes from ``PORTAL_BENCH_POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``); a throw-away database is
created and dropped. Without PostgreSQL only SQLite is measured.
Also runnable alone: ``python -m bench.usage``.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal

from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

from bench import Measurement
from bench._postgres import throwaway_database
from billing.access.caller import Caller
from billing.invoicing.usage_batch import MAX_BATCH, Disposition, UsageInput, record_usage_batch
from billing.invoicing.usage_records import record_usage
from billing.rules.payment_terms import PaymentTerms
from billing.rules.periods import BillingFrequency
from billing.rules.tax import TaxCategory
from models.accounts import Account
from models.config import tortoise_config
from models.coverage import Coverage
from models.orders import Order, OrderLine, Subscription
from models.usage import UsageRecord

SUBSCRIPTIONS = 500
SINGLE = 1_000
BATCHES = 10
START = date(2026, 1, 1)
STAFF = Caller.operator("bench")


async def seed() -> list[int]:
    """The ids of 2 x ``SUBSCRIPTIONS`` active lines."""
    accounts = [Account(id=uuid.uuid4(), name=f"Customer {i}") for i in range(50)]
    await Account.bulk_create(accounts)
    await Subscription.bulk_create([
        Subscription(account_id=accounts[i % len(accounts)].id, coverage=Coverage.GLOBAL, term_start=START,
                     term_end=date(2026, 12, 31), billing_frequency=BillingFrequency.MONTHLY_IN_ADVANCE,
                     payment_terms=PaymentTerms.NET_30)
        for i in range(SUBSCRIPTIONS)
    ], batch_size=1000)
    sub_ids = await Subscription.all().order_by("id").values_list("id", flat=True)
    await Order.bulk_create([Order(subscription_id=s, booked_on=START, created_by="bench") for s in sub_ids], batch_size=1000)
    orders = await Order.all().order_by("id").values_list("id", "subscription_id")
    await OrderLine.bulk_create([
        OrderLine(order_id=o, subscription_id=s, position=p, product=f"P{p}", description="bench",
                  monthly_amount=Decimal(1000), quantity=1, tax_category=TaxCategory.STANDARD, activated_on=START)
        for o, s in orders for p in range(2)
    ], batch_size=1000)
    return list(await OrderLine.all().order_by("id").values_list("id", flat=True))


def _records(lines: list[int], count: int, prefix: str) -> list[UsageInput]:
    rng = random.Random(7)
    return [
        UsageInput(rng.choice(lines), START + timedelta(days=rng.randrange(180)), Decimal(rng.randrange(1, 10_000)) / 100,
                   f"{prefix}-{n}")
        for n in range(count)
    ]


async def _timed(action: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def measure(url: str) -> dict[str, float]:
    """Records per second for each case on a fresh database at ``url``."""
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        await ctx.generate_schemas()
        lines = await seed()
        if not url.startswith("sqlite"):
            await ctx.db().execute_script("ANALYZE")
        singles = _records(lines, SINGLE, "single")
        batch = _records(lines, BATCHES * MAX_BATCH, "batch")
        chunks = [batch[i:i + MAX_BATCH] for i in range(0, len(batch), MAX_BATCH)]

        async def one_by_one() -> None:
            for r in singles:
                await record_usage(STAFF, r.line_id, r.used_on, r.list_amount, r.idempotency_key)

        async def in_batches(expected: Disposition) -> None:
            for chunk in chunks:
                report = await record_usage_batch(STAFF, chunk)
                assert report.count(expected) == len(chunk), f"{report.count(expected)} of {len(chunk)} {expected.value}"

        rates = {
            "single": SINGLE / await _timed(one_by_one),
            "batch": len(batch) / await _timed(lambda: in_batches(Disposition.ACCEPTED)),
            "replay": len(batch) / await _timed(lambda: in_batches(Disposition.REPLAYED)),
        }
        stored = await UsageRecord.all().count()
        assert stored == SINGLE + len(batch), f"{stored} records stored"
    return rates


async def _pg_rates() -> dict[str, float] | None:
    async with throwaway_database() as url:
        return None if url is None else await measure(url)


def _group(backend: str, rates: dict[str, float]) -> list[Measurement]:
    group = f"usage ingestion on {backend}"
    return [
        Measurement(group, f"{SINGLE:,} records, one recordUsage call each", rates["single"], "records/s", baseline=True),
        Measurement(group, f"{BATCHES * MAX_BATCH:,} records, {BATCHES} batches of {MAX_BATCH:,}", rates["batch"], "records/s"),
        Measurement(group, f"the same {BATCHES * MAX_BATCH:,} again (all replayed)", rates["replay"], "records/s"),
    ]


async def run() -> list[Measurement]:
    with tempfile.TemporaryDirectory() as tmp:
        measurements = _group("SQLite", await measure(f"sqlite://{tmp}/bench.sqlite3"))
    pg = await _pg_rates()
    if pg is not None:
        measurements += _group("PostgreSQL", pg)
    else:
        print("bench.usage: PostgreSQL not reachable, SQLite only", file=sys.stderr)
    return measurements


if __name__ == "__main__":
    from bench.__main__ import table

    print(table(asyncio.run(run())))
