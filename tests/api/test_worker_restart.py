"""A real ``portal worker`` with ``PORTAL_METRICS_PORT``, stopped with SIGTERM and started
again on the same port (docs/operations.md, "Metrics" and "Restarts and shutdown").

While it runs, its port answers ``/metrics`` and ``portal_email_deliveries_total`` moves
by exactly the emails it delivered to a real SMTP server on loopback. Stopped in the
middle of a batch, it exits 0, its metrics port is closed and free, nothing was sent
twice and nothing is left claimed. A second worker started at once on the same port
binds it, and sends the rest, each message once.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from models.outbox import OutboxMessage, OutboxStatus
from tests.notifications.conftest import MAIL_FROM, enqueue_invoices, message_ids
from tests.support.server import REPO, free_port, portal_env
from tests.support.smtp import Faults, FaultySmtpSink

EXIT_TIMEOUT = 60  # bounded waits: generous failure guards, never a claim about speed
BEFORE_START = 5  # sent by the first worker before the test looks at its counters
BATCH = 40
LATER = 60  # more than one batch: the first worker is stopped in the middle of it
DELIVERIES = "portal_email_deliveries_total"


def _spawn_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker"], env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )


async def _eventually(check: Callable[[], Awaitable[bool]], process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until ``check()`` is true; fail with the worker's log if it exits meanwhile."""
    async with asyncio.timeout(EXIT_TIMEOUT):
        while not await check():
            assert process.poll() is None, f"portal worker exited with {process.returncode}:\n{log.read_text()}"
            await asyncio.sleep(0.05)


async def _scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float] | None:
    """The samples ``GET /metrics`` on ``port`` answers, or None while nothing listens."""
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(f"http://127.0.0.1:{port}/metrics")
    except httpx.TransportError:
        return None
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text) for sample in family.samples
    }


def _deliveries(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], outcome: str) -> float:
    return samples.get((DELIVERIES, frozenset({("outcome", outcome)})), 0.0)


async def _scrape_when(
    port: int, condition: Callable[[dict[tuple[str, frozenset[tuple[str, str]]], float]], bool],
    process: subprocess.Popen[bytes], log: Path,
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    scraped: dict[tuple[str, frozenset[tuple[str, str]]], float] | None = None

    async def answered() -> bool:
        nonlocal scraped
        scraped = await _scrape(port)
        return scraped is not None and condition(scraped)

    await _eventually(answered, process, log)
    assert scraped is not None
    return scraped


async def _stopped(process: subprocess.Popen[bytes], log: Path) -> int:
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(EXIT_TIMEOUT):
        while process.poll() is None:
            await asyncio.sleep(0.05)
    assert process.returncode == 0, log.read_text()
    return process.returncode


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def _bindable(port: int) -> bool:
    """Whether a server could listen on ``port`` now. SO_REUSEADDR as every server sets it
    (prometheus-client's too): the scrapes' closed connections may linger in TIME_WAIT,
    but no socket may still listen there."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


async def test_a_stopped_worker_frees_its_metrics_port_for_the_next_one(db, database_url, tmp_path):
    sink = FaultySmtpSink(Faults(mail_delay=0.05))  # slow enough to stop the worker mid-batch
    sink.start()
    port = free_port()
    env = portal_env(
        tmp_path,
        PORTAL_DATABASE_URL=database_url,
        PORTAL_HOST="127.0.0.1",
        PORTAL_METRICS_PORT=str(port),
        PORTAL_SMTP_URL=sink.url,
        PORTAL_MAIL_FROM=MAIL_FROM,
        PORTAL_OUTBOX_BATCH_SIZE=str(BATCH),
        PORTAL_OUTBOX_CONCURRENCY="2",
        PORTAL_OUTBOX_POLL_SECONDS="1",
        # Longer than the test: a message left claimed would stay claimed, and show.
        PORTAL_OUTBOX_LEASE_SECONDS="3600",
    )
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = _spawn_worker(env, first_log)
    second: subprocess.Popen[bytes] | None = None
    try:
        # Running, nothing sent yet: the port answers with the worker's registry.
        started = await _scrape_when(port, lambda _: True, first, first_log)
        assert started[("portal_database_up", frozenset())] == 1
        assert _deliveries(started, "SENT") == 0

        rows = await enqueue_invoices(BEFORE_START, prefix="before")
        sent = await _scrape_when(port, lambda s: _deliveries(s, "SENT") >= BEFORE_START, first, first_log)
        assert len(sink.received) == BEFORE_START
        assert _deliveries(sent, "SENT") == BEFORE_START
        assert _deliveries(sent, "PENDING") == _deliveries(sent, "FAILED") == 0
        assert sent[("portal_outbox_messages", frozenset({("status", "SENT")}))] == BEFORE_START

        # SIGTERM in the middle of the next batch.
        rows += await enqueue_invoices(LATER, prefix="later")

        async def sending_mid_batch() -> bool:
            return len(sink.received) >= BEFORE_START + 10 and sink.recorder.mail_started.is_set()

        await _eventually(sending_mid_batch, first, first_log)
        await _stopped(first, first_log)
        by_first = len(sink.received)
        assert by_first < BEFORE_START + BATCH, "the worker must stop in the middle of its batch"
        assert "released" in first_log.read_text()
        assert _refused(port) and _bindable(port)
        assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == by_first
        left = await OutboxMessage.filter(status=OutboxStatus.PENDING)
        assert len(left) == len(rows) - by_first
        assert all(row.claimed_by is None and row.attempts == 0 for row in left)

        # At once, a second worker on the same port: it binds it and sends the rest.
        second = _spawn_worker(env, second_log)
        resumed = await _scrape_when(port, lambda s: _deliveries(s, "SENT") >= len(left), second, second_log)
        assert _deliveries(resumed, "SENT") == len(left) == len(sink.received) - by_first
        assert _deliveries(resumed, "PENDING") == _deliveries(resumed, "FAILED") == 0
        await _stopped(second, second_log)
        assert _refused(port) and _bindable(port)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        sink.stop()

    assert "address already in use" not in (first_log.read_text() + second_log.read_text()).lower()
    received = Counter(r.message["Message-ID"] for r in sink.received)
    assert set(received) == message_ids(rows) and set(received.values()) == {1}
    assert await OutboxMessage.filter(status=OutboxStatus.SENT, attempts=1, claimed_by=None).count() == len(rows)
