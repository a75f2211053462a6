"""Email delivery to a local sink: one SMTP connection per batch vs one per message.

Both cases run the real worker (claim, render, send, record) on a throw-away
SQLite database against the development mail sink (``portal mailsink``) in its
own process, with the same batch size and concurrency; only connection reuse
differs. Each case runs ``ROUNDS`` times and keeps its best.
"""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tortoise.context import TortoiseContext
from tortoise.transactions import in_transaction

from bench import Measurement
from models.config import tortoise_config
from models.outbox import OutboxMessage
from notifications.outbox import enqueue
from notifications.sink import free_port
from notifications.smtp import SmtpServer
from notifications.worker import Worker, WorkerConfig

MESSAGES = 300
ROUNDS = 2
GROUP = f"notifications: {MESSAGES} emails to a local sink"
DATA = {
    "company_name": "Acme IoT K.K.",
    "total": {"amount": "12345", "currency": "JPY"},
    "due_date": "2026-01-31",
    "po_number": "PO-77",
    "coverage": "JP",
}


def start_sink(directory: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PORTAL_MAIL_DIR": str(directory / "mail")}
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "mailsink", "--port", str(port)], env=env, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"smtp://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the mail sink did not start")


async def one_round(url: str, reuse: bool, tag: str) -> float:
    await OutboxMessage.all().delete()
    async with in_transaction():
        for i in range(MESSAGES):
            await enqueue(
                "invoice_issued",
                to=[f"customer{i}@example.test"],
                language="ja" if i % 2 else "en",
                data={**DATA, "invoice_number": f"JP-{i:06d}"},
                dedup_key=f"{tag}:{i}",
            )
    config = WorkerConfig(batch_size=100, concurrency=4, reuse_connections=reuse)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
    worker = Worker(config, SmtpServer.from_url(url), clock=lambda: later)
    started = time.perf_counter()
    sent = await worker.drain()
    elapsed = time.perf_counter() - started
    assert sent == MESSAGES, f"{sent} of {MESSAGES} sent"
    return MESSAGES / elapsed


async def run() -> list[Measurement]:
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_sink(Path(tmp))
        try:
            async with TortoiseContext() as ctx:
                await ctx.init(config=tortoise_config(f"sqlite://{tmp}/bench.sqlite3"))
                await ctx.generate_schemas()
                best = {False: 0.0, True: 0.0}
                for n in range(ROUNDS):
                    for reuse in (False, True):
                        rate = await one_round(url, reuse, f"{n}-{reuse}")
                        best[reuse] = max(best[reuse], rate)
        finally:
            process.terminate()
            process.wait(timeout=10)
    return [
        Measurement(GROUP, "one connection per message (4 lanes)", best[False], "messages/s", baseline=True),
        Measurement(GROUP, "one connection per batch (4 lanes)", best[True], "messages/s"),
    ]
