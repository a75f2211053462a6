"""The webhook companion of ``portal worker``: ``--once`` (a real process) drains it, the
running loop delivers until stopped, and its settings come from ``PORTAL_WEBHOOK_*``."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from api.settings import Settings, SettingsError
from api.worker import webhook_deliverer
from billing.webhooks.retry import RetryPolicy
from models.accounts import Account
from models.events import InvoiceEventType
from models.webhooks import DeliveryStatus, WebhookDelivery
from tests.support import log_audit
from tests.support.server import REPO, portal_env
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import deliverer, endpoint, issued_invoice, record


async def test_portal_worker_once_drains_the_webhooks(
    db: Any, account: Account, database_url: str, tmp_path: Path
) -> None:
    invoice = await issued_invoice(account)
    async with Receiver() as receiver:
        created = await endpoint(account, receiver.url)
        await record(invoice, InvoiceEventType.INVOICE_PAID)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "api.cli", "worker", "--once", cwd=REPO,
            env=portal_env(tmp_path, PORTAL_DATABASE_URL=database_url), stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
        log_audit.collect_output(stderr, "portal worker --once")
        assert process.returncode == 0, stderr.decode()

    (request,) = receiver.requests
    assert request.verify(created.secret)["type"] == "invoice.paid"
    (row,) = await WebhookDelivery.all()
    assert row.status is DeliveryStatus.SUCCEEDED and row.message_id == request.message_id


async def test_the_running_loop_delivers_new_events_until_stopped(db: Any, account: Account) -> None:
    invoice = await issued_invoice(account)
    async with Receiver() as receiver:
        await endpoint(account, receiver.url)
        stop = asyncio.Event()
        running = asyncio.create_task(deliverer(poll_seconds=0.05).run(stop))
        await record(invoice, InvoiceEventType.INVOICE_PAID)
        for _ in range(400):
            if receiver.requests:
                break
            await asyncio.sleep(0.025)
        await record(invoice, InvoiceEventType.INVOICE_VOIDED)  # while it runs
        for _ in range(400):
            if len(receiver.requests) == 2:
                break
            await asyncio.sleep(0.025)
        stop.set()
        await asyncio.wait_for(running, timeout=30)
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["invoice.paid", "invoice.voided"]


def test_the_webhook_settings_reach_the_worker() -> None:
    settings = Settings.from_env({
        "PORTAL_WEBHOOK_TIMEOUT_SECONDS": "2.5", "PORTAL_WEBHOOK_BACKOFF_SECONDS": "1",
        "PORTAL_WEBHOOK_BACKOFF_MAX_SECONDS": "60", "PORTAL_WEBHOOK_RETRY_WINDOW_SECONDS": "3600",
        "PORTAL_WEBHOOK_FAILURE_THRESHOLD": "5", "PORTAL_WEBHOOK_CONCURRENCY": "3",
    })
    worker = webhook_deliverer(settings)
    assert worker.config.retry == RetryPolicy(base_seconds=1, max_seconds=60, window_seconds=3600)
    assert (worker.config.timeout_seconds, worker.config.failure_threshold, worker.config.concurrency) == (2.5, 5, 3)
    assert worker.destinations.production is False
    defaults = webhook_deliverer(Settings.from_env({})).config
    assert (defaults.retry, defaults.failure_threshold) == (RetryPolicy(), 20)
    for variable, value in (("PORTAL_WEBHOOK_BACKOFF_MAX_SECONDS", "0.5"), ("PORTAL_WEBHOOK_TIMEOUT_SECONDS", "0"),
                            ("PORTAL_WEBHOOK_FAILURE_THRESHOLD", "none"), ("PORTAL_WEBHOOK_CONCURRENCY", "500")):
        with pytest.raises(SettingsError) as refused:
            Settings.from_env({variable: value})
        assert refused.value.variable == variable
