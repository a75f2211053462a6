"""Billing run throughput: 1,000 and 10,000 subscriptions, SQLite and PostgreSQL.

Each subscription has one order with two lines active on the term start; one run
on that day issues one invoice per subscription (number, lines, tax, ledger and
outbox email each). Rows are seeded with bulk inserts, then ``run_billing`` is
timed. On PostgreSQL a third case shares the 10k run between two concurrent
runs claiming subscriptions with ``FOR UPDATE SKIP LOCKED`` (in one process, so
it shows the claiming works, not a multi-core speed-up). The "10k/1k time
ratio" should stay near 10 (linear).

PostgreSQL comes from ``PORTAL_BENCH_POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``); a throw-away database is
created and dropped. Without PostgreSQL only SQLite is measured.
``PORTAL_BENCH_BILLING_SIZES`` sets the two sizes (default ``1000,10000``; e.g.
``500,5000`` for a quick look; the ratio is then for that pair), and
``PORTAL_BENCH_BILLING_SQLITE=0`` skips SQLite.
Also runnable alone: ``python -m bench.billing`` (or ``python -m bench billing``).

Before issue 12's batching (one transaction and about 17 data statements per
invoice, measured on this machine, shared with other test runs): PostgreSQL 97
invoices/s for 1,000 and 102 for 10,000 subscriptions, 10k/1k ratio 9.5. After
(100 units per transaction, 2.2 statements per invoice, plans made with the
tables' current sizes): 425 invoices/s for 1,000 and 423 for 10,000, ratio 10.0.
The printed table lists the "before" figures beside the new ones.

Invoice documents (issue 13): for 1,000 subscriptions on PostgreSQL, the run is timed,
then the rendering and storing of the issued invoices' PDFs (what the worker does
right after the run, ``render_pending``), each per invoice; the table shows the
rendering as a ratio to the run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal

from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

from bench import Measurement
from bench._postgres import throwaway_database
from billing.invoicing.run import run_billing
from billing.payment_settings.gateway import TestGateway
from billing.policy import AccountType, BankAccount, BillingPolicy
from billing.rules.payment_terms import PaymentTerms
from billing.rules.periods import BillingFrequency
from billing.rules.tax import TaxCategory
from models.accounts import Account
from models.config import tortoise_config
from models.coverage import Coverage
from models.invoice_documents import InvoiceDocumentFile
from models.invoice_profile import DeliveryMethod, InvoiceProfile, Language
from models.invoices import Invoice
from models.orders import Order, OrderLine, Subscription
from models.payment import PaymentMethod, PaymentSettings

SIZES = tuple(int(n) for n in os.environ.get("PORTAL_BENCH_BILLING_SIZES", "1000,10000").split(","))[:2]
WITH_SQLITE = os.environ.get("PORTAL_BENCH_BILLING_SQLITE", "1") != "0"
BEFORE_PG = {1_000: 96.7, 10_000: 101.8}
"""PostgreSQL invoices/s before issue 12 (per-unit transactions, ~17 statements per
invoice), same machine, shared with other engineers' test runs."""
ACCOUNTS = 100
SAMPLE_BANK = BankAccount("サンプル銀行", "本店", AccountType.ORDINARY, "1234567", "ﾍﾞﾝﾁ")
DAY = date(2026, 4, 1)


async def seed(count: int) -> None:
    accounts = [Account(id=uuid.uuid4(), name=f"Customer {i}") for i in range(ACCOUNTS)]
    await Account.bulk_create(accounts)
    for i, account in enumerate(accounts):
        profile = await InvoiceProfile.create(
            account_id=account.id, company_name=account.name, contact_name="AP", billing_email=f"ap{i}@example.test",
            phone="+81-3-0000-0000", postal_code="100-0001", country="JP", city="Tokyo", address_lines=["1-1"],
            delivery_method=DeliveryMethod.EMAIL, language=Language.JA,
        )
        await PaymentSettings.create(account_id=account.id, coverage=Coverage.JP, payment_method=PaymentMethod.INVOICE,
                                     invoice_profile=profile)
    subs = [
        Subscription(account_id=accounts[i % ACCOUNTS].id, coverage=Coverage.JP, term_start=DAY, term_end=date(2027, 3, 31),
                     billing_frequency=BillingFrequency.MONTHLY_IN_ADVANCE, payment_terms=PaymentTerms.EOM_FOLLOWING)
        for i in range(count)
    ]
    await Subscription.bulk_create(subs, batch_size=1000)
    sub_ids = await Subscription.all().order_by("id").values_list("id", flat=True)
    await Order.bulk_create([Order(subscription_id=s, booked_on=DAY, created_by="bench") for s in sub_ids], batch_size=1000)
    orders = await Order.all().order_by("id").values_list("id", "subscription_id")
    lines = [
        OrderLine(order_id=o, subscription_id=s, position=p, product=f"P{p}", description="bench",
                  monthly_amount=Decimal(1005 + p), quantity=1, tax_category=TaxCategory.STANDARD, activated_on=DAY)
        for o, s in orders for p in range(2)
    ]
    await OrderLine.bulk_create(lines, batch_size=1000)


async def measure(url: str, count: int, *, generate: bool, runs: int = 1) -> float:
    """Seconds for billing ``count`` fresh subscriptions (``runs`` concurrent runs)."""
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        if generate:
            await ctx.generate_schemas()
        await seed(count)
        if not url.startswith("sqlite"):
            await ctx.db().execute_script("ANALYZE")  # fresh tables: give the planner real statistics
        started = time.perf_counter()
        await asyncio.gather(*(run_billing(DAY, policy=BillingPolicy(), gateway=TestGateway()) for _ in range(runs)))
        elapsed = time.perf_counter() - started
        issued = await Invoice.all().count()
        assert issued == count, f"{issued} invoices for {count} subscriptions"
    return elapsed


async def measure_documents(url: str, count: int) -> tuple[float, float]:
    """Seconds for billing ``count`` fresh subscriptions, then for rendering and storing
    the documents of the invoices issued (what the worker does right after the run)."""
    from billing.documents.stored import render_pending

    policy = BillingPolicy(bank=SAMPLE_BANK)
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        await ctx.generate_schemas()
        await seed(count)
        await ctx.db().execute_script("ANALYZE")
        started = time.perf_counter()
        await run_billing(DAY, policy=policy, gateway=TestGateway())
        issued = time.perf_counter()
        while await render_pending(policy.bank, limit=50):
            pass
        rendered = time.perf_counter()
        assert await InvoiceDocumentFile.all().count() == count
    return issued - started, rendered - issued


async def _documents_case(count: int) -> list[Measurement]:
    async with throwaway_database() as url:
        if url is None:
            return []
        run_seconds, render_seconds = await measure_documents(url, count)
    group = f"invoice documents on PostgreSQL ({count:,} invoices; CPU-bound, one process)"
    return [
        Measurement(group, "billing run, per invoice", run_seconds / count * 1000, "ms/invoice", baseline=True),
        Measurement(group, "rendering and storing its PDF, per invoice (after the run)", render_seconds / count * 1000,
                    "ms/invoice"),
    ]


async def _pg_case(count: int, runs: int = 1) -> float | None:
    async with throwaway_database() as url:
        return None if url is None else await measure(url, count, generate=True, runs=runs)


async def _sqlite_case(count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        return await measure(f"sqlite://{tmp}/bench.sqlite3", count, generate=True)


def _group(backend: str, times: dict[int, float], extra: list[Measurement]) -> list[Measurement]:
    group = f"billing run on {backend}"
    small, large = SIZES
    return [
        Measurement(group, f"{small:,} subscriptions", small / times[small], "invoices/s", baseline=True),
        Measurement(group, f"{large:,} subscriptions", large / times[large], "invoices/s"),
        *extra,
        Measurement(f"billing run scaling on {backend}", "10k/1k time ratio (near 10 = linear)",
                    times[large] / times[small], "x"),
    ]


async def run() -> list[Measurement]:
    measurements = _group("SQLite", {n: await _sqlite_case(n) for n in SIZES}, []) if WITH_SQLITE else []
    pg_times = {n: await _pg_case(n) for n in SIZES}
    if all(t is not None for t in pg_times.values()):
        shared = await _pg_case(SIZES[1], runs=2)
        extra = [Measurement("billing run on PostgreSQL", f"{SIZES[1]:,} subscriptions, 2 concurrent runs",
                             SIZES[1] / shared, "invoices/s")] if shared else []
        before = [Measurement("billing run on PostgreSQL", f"{n:,} subscriptions, before issue 12 (recorded)",
                              BEFORE_PG[n], "invoices/s") for n in SIZES if n in BEFORE_PG]
        measurements += _group("PostgreSQL", pg_times, extra + before)  # type: ignore[arg-type]
        measurements += await _documents_case(SIZES[0])
    else:
        print("bench.billing: PostgreSQL not reachable, SQLite only", file=sys.stderr)
    return measurements


if __name__ == "__main__":
    from bench.__main__ import table

    print(table(asyncio.run(run())))
