"""Several workers: side by side on PostgreSQL, one at a time on SQLite, and a worker killed mid-batch."""

from __future__ import annotations

import asyncio
import datetime
import signal
import subprocess
import sys
from collections import Counter

import pytest

from models.outbox import OutboxMessage, OutboxStatus
from notifications import claims
from notifications.retry import Decision
from notifications.single_worker import WorkerAlreadyRunning, single_worker
from tests.notifications.conftest import enqueue_invoices, message_ids
from tests.notifications.test_delivery import run_cli
from tests.support import log_audit
from tests.support.server import clean_environ
from tests.support.smtp import Faults, FaultySmtpSink


async def test_two_workers_on_postgres_send_every_message_once_in_total(db, backend, smtp_sink, make_worker):
    if backend == "sqlite":
        pytest.skip("SQLite runs one worker at a time (see the test below)")
    rows = await enqueue_invoices(500)
    first = make_worker(smtp_sink.url, batch_size=50, concurrency=2)
    second = make_worker(smtp_sink.url, batch_size=50, concurrency=2)
    counts = await asyncio.gather(first.drain(), second.drain())
    assert all(count > 0 for count in counts), f"both workers must have claimed messages: {counts}"
    assert sum(counts) == 500  # no message was claimed by both
    received = Counter(r.message["Message-ID"] for r in smtp_sink.received)
    assert set(received) == message_ids(rows) and set(received.values()) == {1}
    assert await OutboxMessage.filter(status=OutboxStatus.SENT, attempts=1).count() == 500


async def test_a_second_worker_on_sqlite_is_refused_and_says_why(db, backend, database_url, smtp_sink, tmp_path):
    if backend == "postgres":
        pytest.skip("PostgreSQL runs workers side by side")
    await enqueue_invoices(3)
    with single_worker(database_url):
        with pytest.raises(WorkerAlreadyRunning, match="one worker at a time"):
            with single_worker(database_url):
                pass
        result = run_cli("worker", "--once", database_url=database_url, smtp_url=smtp_sink.url, tmp_path=tmp_path)
    assert result.returncode == 1 and "SQLite allows one worker at a time" in result.stderr
    assert smtp_sink.received == []
    result = run_cli("worker", "--once", database_url=database_url, smtp_url=smtp_sink.url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(smtp_sink.received) == 3


async def test_a_worker_killed_mid_batch_leaves_the_rest_to_another_after_the_lease(
    db, backend, database_url, make_worker, clock, tmp_path
):
    if backend == "sqlite":
        pytest.skip("several worker processes need PostgreSQL (SQLite runs one worker at a time)")
    sink = FaultySmtpSink(Faults(mail_delay=0.05))  # slow enough to kill the worker mid-batch
    sink.start()
    rows = await enqueue_invoices(60)
    env = clean_environ(
        PORTAL_DATABASE_URL=database_url,
        PORTAL_SMTP_URL=sink.url,
        PORTAL_MAIL_FROM="Billing Portal <billing@portal.test>",
        PORTAL_OUTBOX_BATCH_SIZE="40",
        PORTAL_OUTBOX_CONCURRENCY="1",
        PORTAL_OUTBOX_LEASE_SECONDS="30",
    )
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "worker"], env=env, stderr=subprocess.PIPE)
    try:
        async with asyncio.timeout(30):
            while not (len(sink.received) >= 10 and sink.recorder.mail_started.is_set()):
                assert process.poll() is None, process.stderr.read().decode()
                await asyncio.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        log_audit.collect_output(process.stderr.read(), "portal worker")
        delivered_before = len(sink.received)
        assert delivered_before < 40, "the worker must die in the middle of its first batch"
        leased = await OutboxMessage.filter(status=OutboxStatus.PENDING, claimed_by__isnull=False).count()
        assert leased == 40 - delivered_before

        clock.now = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
        rescuer = make_worker(sink.url, batch_size=100, concurrency=2)
        assert await rescuer.drain() == 20  # only what the dead worker had not claimed
        assert await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == leased

        clock.advance(31)  # the lease has run out
        assert await rescuer.drain() == leased
    finally:
        if process.poll() is None:
            process.kill()
        sink.stop()
    received = Counter(r.message["Message-ID"] for r in sink.received)
    assert set(received) == message_ids(rows)  # nothing lost
    assert set(received.values()) == {1}  # and, the kill falling between two messages, nothing doubled
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 60


async def test_a_worker_whose_lease_ran_out_cannot_overwrite_the_worker_that_took_over(
    db, smtp_sink, make_worker, clock
):
    [row] = await enqueue_invoices(1)
    [slow] = await claims.claim(clock(), 10, 60, "slow-worker")
    assert await claims.claim(clock(), 10, 60, "other") == []  # leased: nobody else gets it
    clock.advance(61)
    assert await make_worker(smtp_sink.url).drain() == 1
    late = Decision(OutboxStatus.PENDING, [], {}, "451 late news", clock())
    assert await claims.record(slow, late, clock()) is False
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.SENT and stored.last_error is None
