"""Helpers for the webhook tests: an issued invoice and its events, endpoints made as an
owner would, a deliverer with tiny retry waits, and a drain that repeats until done."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any

from tortoise.transactions import in_transaction

from billing import events
from billing.access.caller import Caller
from billing.webhooks.destinations import Destinations
from billing.webhooks.endpoints import EndpointWithSecret, create_endpoint
from billing.webhooks.retry import RetryPolicy
from billing.webhooks.worker import WebhookConfig, WebhookDeliverer
from models.accounts import Account, Role
from models.coverage import Coverage
from models.events import InvoiceEvent, InvoiceEventType
from models.invoices import Invoice
from models.webhooks import DeliveryStatus, WebhookDelivery
from tests.support.invoicing import activate, book, line, run_billing

DAY = date(2026, 3, 2)
DEVELOPMENT = Destinations(production=False)
ALL_EVENTS = list(InvoiceEventType)


def owner_of(account: Account, subject: str = "owner") -> Caller:
    return Caller(subject, frozenset({"billing:read", "billing:write"}), "test", account.id, Role.OWNER)


async def issued_invoice(account: Account) -> Invoice:
    """An invoice issued to ``account`` by a billing run (which may record its own event)."""
    _, (row,) = await book(account, [line("Compute", "1000")], coverage=Coverage.JP, booked_on=DAY, start=DAY,
                           end=date(2027, 3, 1))
    await activate(row, DAY)
    await run_billing(DAY)
    invoice = await Invoice.filter(account_id=account.id).order_by("-id").first()
    assert invoice is not None
    return invoice


async def record(invoice: Invoice, *kinds: InvoiceEventType) -> list[InvoiceEvent]:
    """Record events of ``invoice`` in one transaction, as a use case would."""
    async with in_transaction():
        return await events.record([events.Change(invoice, kind) for kind in kinds])


async def endpoint(
    account: Account, url: str, kinds: Sequence[InvoiceEventType] = ALL_EVENTS,
    destinations: Destinations = DEVELOPMENT,
) -> EndpointWithSecret:
    return await create_endpoint(owner_of(account), destinations, url=url + "/hooks", events=list(kinds))


def deliverer(destinations: Destinations = DEVELOPMENT, **config: Any) -> WebhookDeliverer:
    """A deliverer whose retries wait a few milliseconds."""
    retry = config.pop("retry", RetryPolicy(base_seconds=0.01, max_seconds=0.02, window_seconds=3600))
    settings = {"timeout_seconds": 5.0, "failure_threshold": 50, "concurrency": 4, "poll_seconds": 0.05, **config}
    return WebhookDeliverer(WebhookConfig(retry=retry, **settings), destinations)


async def drain_until(worker: WebhookDeliverer, done: Callable[[], Awaitable[bool]], *, rounds: int = 200) -> int:
    """Drain again (after the tiny retry wait) until ``done``; the tries made."""
    tries = 0
    for _ in range(rounds):
        tries += await worker.drain()
        if await done():
            return tries
        await asyncio.sleep(0.02)
    raise AssertionError("the deliveries never finished")


async def settled() -> bool:
    """No delivery is pending any more."""
    return not await WebhookDelivery.exists(status=DeliveryStatus.PENDING)
