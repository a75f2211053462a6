"""Helpers for the notification tests: a fake clock, a worker factory, sample messages."""

from __future__ import annotations

import asyncio
import datetime
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from models.outbox import OutboxMessage
from notifications.outbox import enqueue
from notifications.retry import RetryPolicy
from notifications.smtp import SmtpServer
from notifications.worker import Worker, WorkerConfig

MAIL_FROM = "Billing Portal <billing@portal.test>"


class FakeClock:
    """Time that moves only when the worker sleeps (or the test says so).

    It starts a minute ahead of real time, so messages the test enqueues (due at
    the real time of enqueue) are due at once.
    """

    def __init__(self) -> None:
        self.now = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)
        self.on_sleep: Callable[[], None] | None = None

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        if self.on_sleep is not None:
            self.on_sleep()
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


WorkerFactory = Callable[..., Worker]


@pytest.fixture
def make_worker(clock: FakeClock) -> WorkerFactory:
    def make(url: str, *, seed: int = 7, retry: RetryPolicy | None = None, **config: Any) -> Worker:
        settings = {"mail_from": MAIL_FROM, "batch_size": 100, "concurrency": 4, "lease_seconds": 60, **config}
        return Worker(
            WorkerConfig(retry=retry or RetryPolicy(max_attempts=5, base_seconds=10, max_seconds=600), **settings),
            SmtpServer.from_url(url),
            clock=clock,
            sleep=clock.sleep,
            rng=random.Random(seed).random,
        )

    return make


def invoice_data(number: str = "JP-2026-000001", **overrides: Any) -> dict[str, Any]:
    data = {
        "company_name": "Acme IoT K.K.",
        "invoice_number": number,
        "total": {"amount": "12345", "currency": "JPY"},
        "due_date": datetime.date(2026, 1, 31),
        "po_number": "PO-77",
        "coverage": "JP",
    }
    return {**data, **overrides}


async def enqueue_invoices(
    count: int, *, prefix: str = "inv", cc: tuple[str, ...] = (), attach_invoice_id: int | None = None
) -> list[OutboxMessage]:
    """``count`` invoice_issued messages (alternating ja/en) in one transaction, each
    carrying the document of invoice ``attach_invoice_id`` if given."""
    rows = []
    async with in_transaction():
        for i in range(count):
            rows.append(
                await enqueue(
                    "invoice_issued",
                    to=[f"{prefix}{i}@customer.test"],
                    cc=cc,
                    language="ja" if i % 2 == 0 else "en",
                    data=invoice_data(f"JP-2026-{i:06d}", total={"amount": Decimal(1000 + i), "currency": "JPY"}),
                    dedup_key=f"{prefix}:{i}",
                    attach_invoice_id=attach_invoice_id,
                    attach_kind="INVOICE",
                )
            )
    return rows


def message_ids(rows: list[OutboxMessage]) -> set[str]:
    return {f"<{row.id}@portal.test>" for row in rows}
