"""The worker's document rendering: store the PDF of every invoice issued since.

Invoices are committed without their document (``billing.documents.stored``); this
loop renders them in small batches as soon as they appear, sharing the backlog with
other workers on PostgreSQL. A batch that fails is logged and tried again at the
next tick; the invoices stay as they were (a download renders its own meanwhile).
"""

from __future__ import annotations

import asyncio
import logging

from billing.documents.stored import render_pending
from billing.policy import BillingPolicy

log = logging.getLogger("billing.documents")

DEFAULT_POLL_SECONDS = 2.0


class DocumentRenderer:
    def __init__(self, policy: BillingPolicy, *, poll_seconds: float = DEFAULT_POLL_SECONDS) -> None:
        self.policy = policy
        self.poll_seconds = poll_seconds

    async def drain(self) -> int:
        """Render until nothing is pending (or a batch fails); how many were stored."""
        stored = 0
        while True:
            try:
                done = await render_pending(self.policy.bank)
            except Exception:  # retried at the next tick; the worker goes on
                log.exception("rendering invoice documents failed; will retry")
                return stored
            if not done:
                return stored
            stored += done
            log.info("stored %d invoice document(s)", done)

    async def run(self, stop: asyncio.Event) -> None:
        """Drain, then wait ``poll_seconds``, until ``stop`` is set."""
        while not stop.is_set():
            await self.drain()
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                continue
