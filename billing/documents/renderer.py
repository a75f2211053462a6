"""The worker's document rendering: store the PDF of every invoice issued since.

Invoices are committed without their document (``billing.documents.stored``); this
loop renders them in small batches as soon as they appear, sharing the backlog with
other workers on PostgreSQL. A document that cannot be rendered is logged and left
aside for a while (so it never takes the place of the others); a batch that fails
as a whole is logged and tried again at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
import time

from billing.documents.stored import Failed, render_pending
from billing.policy import BillingPolicy

log = logging.getLogger("billing.documents")

DEFAULT_POLL_SECONDS = 2.0
RETRY_FAILED_SECONDS = 600.0
"""How long a document that could not be rendered is left aside before it is tried again."""


class DocumentRenderer:
    def __init__(self, policy: BillingPolicy, *, poll_seconds: float = DEFAULT_POLL_SECONDS) -> None:
        self.policy = policy
        self.poll_seconds = poll_seconds
        self.failed: Failed = set()
        self.failed_since = time.monotonic()

    async def drain(self) -> int:
        """Render until nothing is pending but what failed (or a batch fails); how many
        were stored. What failed is left aside for ``RETRY_FAILED_SECONDS``."""
        if time.monotonic() - self.failed_since > RETRY_FAILED_SECONDS:
            self.failed, self.failed_since = set(), time.monotonic()
        stored = 0
        while True:
            failures = len(self.failed)
            try:
                done = await render_pending(self.policy.bank, failed=self.failed)
            except Exception:  # retried at the next tick; the worker goes on
                log.exception("rendering invoice documents failed; will retry")
                return stored
            if not done and len(self.failed) == failures:  # nothing left but what failed
                return stored
            stored += done
            if done:
                log.info("stored %d invoice document(s)", done)

    async def run(self, stop: asyncio.Event) -> None:
        """Drain, then wait ``poll_seconds``, until ``stop`` is set."""
        while not stop.is_set():
            await self.drain()
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                continue
