"""The billing run sends a fixed number of SQL statements per chunk of units plus
a small constant per issued invoice: its reads and inserts are batched across the
chunk, never one query per subscription (issue 12). Counted from what Tortoise
logs (``tortoise.db_client``), on both databases; no timers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import date as D
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from tortoise.context import TortoiseContext

from billing.accounts import create_account
from billing.invoicing.run import RunReport
from billing.invoicing.run import run_billing as run
from billing.payment_settings.gateway import TestGateway
from billing.policy import BillingPolicy
from models.coverage import Coverage
from models.invoices import BilledCharge, Invoice, InvoiceLine
from models.outbox import OutboxMessage
from tests.support.invoicing import activate, book, line, run_billing

T = TypeVar("T")

_STATEMENT_WORDS = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "SET"}

PER_INVOICE = 2
"""Statements each issued invoice adds: its outbox email (insert, then the outbox's
read of the stored message). Everything else is per chunk."""

FIXED = 26
"""Statements of a run of one chunk whatever its size (measured: 25 on SQLite, 26
on PostgreSQL, which also sets the chunk's plan cache mode): the run's own reads (pending card charges, candidates, merged
accounts, units), then the claim, lines, ledger, usage, payers (settings,
profiles, account names), one counter update per sequence (plus, the first time
in a year, the counter's insert and a second update), one bulk insert each of
invoices (with the read of their ids), lines, taxes and ledger rows, the event
numbers of every account of the chunk (one statement) and the events' bulk insert,
and the run's search for invoices become past due."""

N = 6


async def statements(caplog: Any, call: Awaitable[T]) -> tuple[T, int]:
    """The result of ``call`` and the number of SQL statements it sent."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        result = await call
    sent = sum(
        1
        for record in caplog.records
        if record.name == "tortoise.db_client"
        and record.getMessage().lstrip().split(" ", 1)[0].upper() in _STATEMENT_WORDS
    )
    return result, sent


async def _subscriptions(count: int, start: D) -> None:
    """``count`` subscriptions over several accounts, half JP (taxed), half GLOBAL,
    each with two lines active on ``start`` (annual in advance: due on ``start``)."""
    accounts = [await create_account(f"Customer {start} {i}", f"owner-{start}-{i}") for i in range(3)]
    for i in range(count):
        coverage = Coverage.JP if i % 2 else Coverage.GLOBAL
        _, rows = await book(accounts[i % len(accounts)], [line("A", "1005"), line("B", "2000")], coverage=coverage,
                             booked_on=start, start=start, end=D(start.year + 1, start.month, 1) - timedelta(days=1))
        for row in rows:
            await activate(row, start)


async def _counted_run(caplog: Any, day: D) -> tuple[RunReport, int]:
    return await statements(caplog, run_billing(day))


async def test_statements_per_issued_invoice_stay_fixed_from_n_to_3n_subscriptions(db: TortoiseContext, caplog: Any, backend: str) -> None:
    await _subscriptions(N, D(2026, 3, 1))
    small, small_sent = await _counted_run(caplog, D(2026, 3, 1))
    # 3N more, due a month later (the first N owe nothing then: they are read, not invoiced)
    await _subscriptions(3 * N, D(2026, 4, 1))
    large, large_sent = await _counted_run(caplog, D(2026, 4, 1))

    assert (len(small.issued), len(large.issued)) == (N, 3 * N)
    assert small.failures == large.failures == []
    assert small_sent <= FIXED + PER_INVOICE * N, small_sent
    assert large_sent <= FIXED + PER_INVOICE * 3 * N, large_sent
    assert (large_sent - small_sent) / (2 * N) <= PER_INVOICE, (small_sent, large_sent)
    assert large_sent / (3 * N) < small_sent / N, "the per-invoice cost does not grow with the run"
    # and what was written is complete: lines, ledger rows and one email per invoice
    assert await Invoice.all().count() == 4 * N
    assert await InvoiceLine.all().count() == await BilledCharge.all().count() == 8 * N
    assert await OutboxMessage.filter(kind="invoice_issued").count() == 4 * N


@pytest.mark.parametrize("chunk_units", [1, 4])
async def test_small_chunks_issue_the_same_invoices_with_gapless_numbers(db: TortoiseContext, backend: str, chunk_units: int) -> None:
    await _subscriptions(N + 1, D(2026, 3, 1))
    report = await run(D(2026, 3, 1), policy=BillingPolicy(), gateway=TestGateway(), chunk_units=chunk_units)
    again = await run(D(2026, 3, 1), policy=BillingPolicy(), gateway=TestGateway(), chunk_units=chunk_units)

    assert again.issued == [] and report.failures == []
    gl = sorted(n for n in report.issued if n.startswith("GL-"))
    jp = sorted(n for n in report.issued if n.startswith("JP-"))
    assert gl == [f"GL-2026-{i:06d}" for i in range(1, len(gl) + 1)]
    assert jp == [f"JP-2026-{i:06d}" for i in range(1, len(jp) + 1)]
    assert len(gl) + len(jp) == N + 1
