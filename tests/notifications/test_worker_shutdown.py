"""``portal worker`` on SIGTERM: finishes the send in flight, gives back what it claimed and
did not try (due again at once, the attempt not counted), and exits 0."""

from __future__ import annotations

import asyncio
import datetime
import signal
import subprocess
import sys
from collections import Counter

from models.outbox import OutboxMessage, OutboxStatus
from notifications import claims
from tests.notifications.conftest import enqueue_invoices, message_ids
from tests.support import log_audit
from tests.support.server import clean_environ
from tests.support.smtp import Faults, FaultySmtpSink


async def test_sigterm_mid_batch_sends_nothing_twice_and_releases_the_rest(db, database_url, make_worker, clock):
    sink = FaultySmtpSink(Faults(mail_delay=0.05))  # slow enough to stop the worker mid-batch
    sink.start()
    rows = await enqueue_invoices(60)
    env = clean_environ(**{
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SMTP_URL": sink.url,
        "PORTAL_MAIL_FROM": "Billing Portal <billing@portal.test>",
        "PORTAL_OUTBOX_BATCH_SIZE": "40",
        "PORTAL_OUTBOX_CONCURRENCY": "2",
        # Longer than the test's clock is ahead: a message still leased is not due for the rescuer.
        "PORTAL_OUTBOX_LEASE_SECONDS": "3600",
    })
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "worker"], env=env, stderr=subprocess.PIPE)
    try:
        async with asyncio.timeout(60):
            while not (len(sink.received) >= 10 and sink.recorder.mail_started.is_set()):
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                await asyncio.sleep(0.005)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            while process.poll() is None:
                await asyncio.sleep(0.05)
        stderr = process.stderr.read().decode() if process.stderr else ""
        log_audit.collect_output(stderr, "portal worker")
        delivered = len(sink.received)
        assert process.returncode == 0, stderr
        assert delivered < 40, "the worker must stop in the middle of its first batch"
        assert "released" in stderr

        assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == delivered
        pending = await OutboxMessage.filter(status=OutboxStatus.PENDING)
        assert len(pending) == 60 - delivered
        assert all(row.claimed_by is None and row.attempts == 0 for row in pending)
        stopped_at = datetime.datetime.now(datetime.UTC)
        assert all(row.next_attempt_at <= stopped_at for row in pending)  # due again, no lease to wait for

        clock.now = stopped_at + datetime.timedelta(seconds=1)
        assert await make_worker(sink.url).drain() == 60 - delivered
    finally:
        if process.poll() is None:
            process.kill()
        sink.stop()
    received = Counter(r.message["Message-ID"] for r in sink.received)
    assert set(received) == message_ids(rows) and set(received.values()) == {1}
    assert await OutboxMessage.filter(status=OutboxStatus.SENT, attempts=1).count() == 60


async def test_release_gives_back_only_the_rows_still_claimed_by_the_releaser(db, clock):
    rows = await enqueue_invoices(2)
    mine = await claims.claim(clock(), 2, 60, "stopping-worker")
    clock.advance(61)  # the lease ran out and another worker took one of the two over
    [taken] = await claims.claim(clock(), 1, 60, "other-worker")
    assert await claims.release(mine, clock()) == 1
    stored = {row.id: row for row in await OutboxMessage.filter(id__in=[r.id for r in rows])}
    released = next(row for row in mine if row.id != taken.id)
    assert stored[taken.id].claimed_by == "other-worker"
    assert stored[released.id].claimed_by is None and stored[released.id].attempts == 0
    assert stored[released.id].next_attempt_at == clock()
