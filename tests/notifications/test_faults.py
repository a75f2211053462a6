"""Under server-side faults every message arrives, once per Message-ID, with backoff."""

from __future__ import annotations

import asyncio
import datetime
from collections import Counter, defaultdict

from models.outbox import OutboxMessage, OutboxStatus
from notifications.retry import RetryPolicy
from tests.notifications.conftest import enqueue_invoices, message_ids
from tests.support.smtp import Faults, FaultySmtpSink

DOWN_SECONDS = 30
POLICY = RetryPolicy(max_attempts=20, base_seconds=10, max_seconds=600)


async def run_until_settled(worker, timeout: float = 40.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(timeout):
            while await OutboxMessage.filter(status=OutboxStatus.PENDING).exists():
                await asyncio.sleep(0.1)
    finally:
        stop.set()
        await task


async def test_451s_dropped_connections_and_a_server_down_at_first_lose_nothing_and_double_nothing(
    db, make_worker, clock
):
    sink = FaultySmtpSink(Faults(temporary_rate=0.3, drop_rate=0.1, seed=3), stamp=clock)
    started_at = clock()

    def start_server_when_due() -> None:
        if not sink.started and (clock() - started_at).total_seconds() >= DOWN_SECONDS:
            sink.start()

    clock.on_sleep = start_server_when_due
    rows = await enqueue_invoices(150)
    try:
        await run_until_settled(make_worker(sink.url, retry=POLICY, batch_size=100, concurrency=4))
    finally:
        sink.stop()

    accepted = Counter(r.message["Message-ID"] for r in sink.received)
    assert set(accepted) == message_ids(rows)  # all arrived
    assert set(accepted.values()) == {1}  # none twice
    outcomes = Counter(event.outcome for event in sink.events)
    assert outcomes["451"] > 20 and outcomes["dropped"] > 5 and outcomes["accepted"] == 150

    stored = {f"<{row.id}@portal.test>": row for row in await OutboxMessage.all()}
    assert {row.status for row in stored.values()} == {OutboxStatus.SENT}
    seen: dict[str, list] = defaultdict(list)
    for event in sink.events:
        seen[event.message_id].append(event.at)
    for message_id, times in seen.items():
        # the first attempt met a server that was down (connection refused)
        assert stored[message_id].attempts >= len(times) + 1
        assert min(times) >= started_at + datetime.timedelta(seconds=DOWN_SECONDS)
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
        assert all(gap >= POLICY.base_seconds / 2 for gap in gaps)
        uncapped = [gap for gap in gaps if gap < POLICY.max_seconds / 2]
        assert uncapped == sorted(uncapped), f"{message_id}: waits must grow, got {gaps}"
    assert max(len(times) for times in seen.values()) >= 3
