"""The worker's daily billing loop runs once per new day and retries a failed day."""

from __future__ import annotations

import asyncio
from datetime import date as D

from billing.clock import Clock
from billing.invoicing.daily import DailyBilling
from billing.payment_settings.gateway import TestGateway
from billing.policy import BillingPolicy
from models.accounts import Account
from models.invoices import Invoice
from tests.support.invoicing import activate, book, line


async def test_runs_once_per_day_and_again_on_the_next_day(account: Account) -> None:
    _, rows = await book(account, [line("X", "10.00")], booked_on=D(2026, 3, 1), start=D(2026, 3, 1),
                         end=D(2027, 2, 28))
    await activate(rows[0], D(2026, 3, 1))
    daily = DailyBilling(BillingPolicy(), TestGateway(), clock=Clock(fixed=D(2026, 3, 1)))

    first = await daily.tick()
    assert first is not None and len(first.issued) == 1
    assert await daily.tick() is None, "the same day is not run twice"
    daily.clock = Clock(fixed=D(2026, 3, 2))
    second = await daily.tick()
    assert second is not None and second.as_of == D(2026, 3, 2) and second.issued == []
    assert await Invoice.all().count() == 1


async def test_a_failed_day_is_retried_at_the_next_tick(account: Account, db) -> None:
    daily = DailyBilling(BillingPolicy(), TestGateway(), clock=Clock(fixed=D(2026, 3, 1)))
    await db.db().execute_script('ALTER TABLE "order_lines" RENAME TO "order_lines_gone"')
    try:
        assert await daily.tick() is None and daily.last_run is None
    finally:
        await db.db().execute_script('ALTER TABLE "order_lines_gone" RENAME TO "order_lines"')
    assert await daily.tick() is not None and daily.last_run == D(2026, 3, 1)


async def test_the_loop_stops_when_asked(account: Account) -> None:
    daily = DailyBilling(BillingPolicy(), TestGateway(), clock=Clock(fixed=D(2026, 3, 1)), tick_seconds=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(daily.run(stop))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert daily.last_run == D(2026, 3, 1)
