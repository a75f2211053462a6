"""The worker's webhook loop: copy new events into deliveries, send what is due, retry.

It runs beside the mail loop in ``portal worker`` (a companion), never in the API process,
so a slow endpoint never delays a request. Sends run as separate tasks, at most
``concurrency`` at a time and at most ``per_endpoint`` per endpoint, and the loop claims
more as soon as one finishes: a slow endpoint holds a few slots for at most the timeout
while the others keep going.

``drain`` (``portal worker --once``, tests) copies the new events and sends every delivery
due when it starts, then returns; the retries it schedules are for a later run. ``run``
does the same continuously until stopped, waking when the next delivery falls due.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from billing.webhooks import claims, outcomes, signing
from billing.webhooks.destinations import Destinations
from billing.webhooks.fanout import fan_out
from billing.webhooks.retry import RetryPolicy
from billing.webhooks.sender import Sender, http_client
from models.webhooks import WebhookDelivery, WebhookEndpoint

log = logging.getLogger("billing.webhooks")

Clock = Callable[[], datetime.datetime]


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class WebhookConfig:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_seconds: float = 10.0
    failure_threshold: int = 20
    concurrency: int = 8
    per_endpoint: int = 2
    poll_seconds: float = 2.0

    @property
    def lease_seconds(self) -> float:
        """How long a claimed delivery is ours: a try (resolution and request) fits twice."""
        return 2 * self.timeout_seconds + 30


class WebhookDeliverer:
    def __init__(
        self,
        config: WebhookConfig,
        destinations: Destinations,
        *,
        clock: Clock = utcnow,
        rng: Callable[[], float] = random.random,
        transport: httpx.AsyncBaseTransport | None = None,
        name: str | None = None,
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.destinations = destinations
        self.on_outcome = on_outcome
        """Told each recorded try's outcome (the delivery's status after it): metrics."""
        self.clock = clock
        self.rng = rng
        self.transport = transport
        self.name = name or f"webhooks-{uuid.uuid4().hex[:12]}"

    async def drain(self) -> int:
        """Copy new events, then try every delivery due now once; the number of tries."""
        async with http_client(self.config.timeout_seconds, self.transport) as client:
            copied = await fan_out(self.clock())
            if copied:
                log.info("%s: %d new webhook deliveries", self.name, copied)
            return await self._pump(self._sender(client), due_by=self.clock(), stop=None)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set."""
        log.info("%s started", self.name)
        async with http_client(self.config.timeout_seconds, self.transport) as client:
            sender = self._sender(client)
            while not stop.is_set():
                wait = self.config.poll_seconds
                try:
                    await fan_out(self.clock())
                    await self._pump(sender, due_by=None, stop=stop)
                    due = await claims.next_due_at()
                except Exception:  # the database went away: keep running, try again after a poll
                    log.exception("%s: webhook delivery failed; retrying in %ss", self.name, wait)
                    due = None
                if due is not None:
                    wait = min(wait, max((due - self.clock()).total_seconds(), 0.0))
                try:
                    await asyncio.wait_for(stop.wait(), timeout=wait)
                except TimeoutError:
                    continue
        log.info("%s stopped", self.name)

    def _sender(self, client: httpx.AsyncClient) -> Sender:
        return Sender(client, self.destinations, self.config.timeout_seconds, clock=self.clock)

    async def _pump(self, sender: Sender, *, due_by: datetime.datetime | None, stop: asyncio.Event | None) -> int:
        """Claim and send until nothing is due (by ``due_by``, else by the time of each claim)
        and nothing is in flight; the number of tries."""
        token = f"{self.name}:{uuid.uuid4().hex[:8]}"
        in_flight: dict[asyncio.Task[None], int] = {}
        tries = 0
        copied_at = time.monotonic()
        try:
            while stop is None or not stop.is_set():
                free = self.config.concurrency - len(in_flight)
                if free > 0:
                    rows = await claims.claim(
                        self.clock(), limit=free, lease_seconds=self.config.lease_seconds, token=token,
                        per_endpoint=self.config.per_endpoint, busy=Counter(in_flight.values()), due_by=due_by,
                    )
                    for row in rows:
                        in_flight[asyncio.create_task(self._deliver(sender, row))] = row.endpoint_id
                if not in_flight:
                    break
                timeout = None if stop is None else self.config.poll_seconds
                done, _ = await asyncio.wait(in_flight, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    del in_flight[task]
                    tries += 1
                if stop is not None and time.monotonic() - copied_at >= self.config.poll_seconds:
                    await fan_out(self.clock())  # a long backlog does not hold new events back
                    copied_at = time.monotonic()
        finally:
            if in_flight:  # stopping: let the tries in flight finish and be recorded
                await asyncio.gather(*in_flight, return_exceptions=True)
                tries += len(in_flight)
        return tries

    async def _deliver(self, sender: Sender, row: WebhookDelivery) -> None:
        try:
            endpoint = await WebhookEndpoint.get_or_none(id=row.endpoint_id)
            if endpoint is None:
                return
            started = self.clock()
            answer = await sender.send(
                endpoint.url, row.message_id, signing.body(row.payload), signing.signing_secrets(endpoint, started)
            )
            recorded = await outcomes.record(
                row, answer, attempted_at=started, now=self.clock(), policy=self.config.retry,
                failure_threshold=self.config.failure_threshold, rng=self.rng,
            )
        except Exception:  # the lease runs out and the delivery is tried again
            log.exception("%s: delivery %s could not be tried", self.name, row.id)
            return
        if recorded is None:
            log.warning("%s: delivery %s was claimed by another worker meanwhile", self.name, row.id)
            return
        if self.on_outcome is not None:
            self.on_outcome(recorded.decision.status.value)
        if answer.error:
            log.info(
                "%s: delivery %s to endpoint %s: %s (%s)", self.name, row.id, endpoint.id, answer.error,
                recorded.decision.status.value,
            )
        if recorded.disabled:
            log.warning("%s: endpoint %s disabled after %d failed attempts", self.name, endpoint.id,
                        self.config.failure_threshold)
