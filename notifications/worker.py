"""The sender worker: claims due messages and delivers them over SMTP.

One batch = one claim of up to ``batch_size`` messages, split across
``concurrency`` SMTP connections; each connection sends its share one
transaction after another and records each outcome as soon as the server has
answered, so a worker that dies loses at most the message in flight (which is
sent again after the lease: at least once, same Message-ID).

Clock, sleep and randomness are injected so tests can drive backoff and
leases without waiting in real time.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from models.invoice_documents import DocumentKind, InvoiceDocumentFile
from models.outbox import OutboxMessage
from notifications import claims
from notifications.render import Attachment, compose, envelope_sender
from notifications.retry import Attempt, RetryPolicy, decide
from notifications.smtp import ConnectFailed, SmtpConnection, SmtpServer

log = logging.getLogger("notifications.worker")

Clock = Callable[[], datetime.datetime]
Sleep = Callable[[float], Awaitable[None]]


async def attachments(row: OutboxMessage) -> list[Attachment]:
    """The files ``row`` carries: its invoice's stored document (the claim waited for it)."""
    if row.attach_invoice_id is None:
        return []
    kind = DocumentKind(row.attach_kind or DocumentKind.INVOICE.value)
    document = await InvoiceDocumentFile.get(invoice_id=row.attach_invoice_id, kind=kind)
    number = row.data.get("credit_note_number" if kind is DocumentKind.CREDIT_NOTE else "invoice_number")
    return [Attachment(f"{number or row.attach_invoice_id}.pdf", document.pdf)]


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class WorkerConfig:
    mail_from: str = "Billing Portal <billing@portal.invalid>"
    batch_size: int = 100
    concurrency: int = 4
    lease_seconds: float = 300.0
    poll_seconds: float = 2.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    reuse_connections: bool = True
    console_url: str = ""
    """Where the console is, for the links in emails (empty: none)."""


class Worker:
    def __init__(
        self,
        config: WorkerConfig,
        server: SmtpServer,
        *,
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        name: str | None = None,
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.server = server
        self.on_outcome = on_outcome
        """Told each recorded attempt's outcome (the message's status after it): metrics."""
        self.clock = clock
        self.sleep = sleep
        self.rng = rng
        self.name = name or f"worker-{uuid.uuid4().hex[:12]}"
        self.sender = envelope_sender(config.mail_from)

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Claim one batch of due messages and deliver it; the number claimed. Once ``stop``
        is set, each lane finishes the message it is sending and releases the rest."""
        token = f"{self.name}:{uuid.uuid4().hex[:8]}"
        rows = await claims.claim(self.clock(), self.config.batch_size, self.config.lease_seconds, token)
        if rows:
            lanes = max(1, min(self.config.concurrency, len(rows)))
            await asyncio.gather(*(self._send_lane(rows[i::lanes], stop) for i in range(lanes)))
        return len(rows)

    async def drain(self, stop: asyncio.Event | None = None) -> int:
        """Deliver everything due now (``portal worker --once``), or until ``stop`` is set;
        the number of messages claimed."""
        total = 0
        while not (stop is not None and stop.is_set()) and (count := await self.run_once(stop)):
            total += count
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, waking when the next message falls due."""
        log.info("%s started (%r)", self.name, self.server)
        while not stop.is_set():
            wait = self.config.poll_seconds
            try:
                await self.drain(stop)
                due = await claims.next_due_at()
            except Exception:  # the database went away: keep running, try again after a poll
                log.exception("%s: cannot reach the outbox; retrying in %ss", self.name, wait)
                due = None
            if due is not None:
                wait = min(wait, max((due - self.clock()).total_seconds(), 0.0))
            sleeper = asyncio.ensure_future(self.sleep(wait))
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
            for task in (sleeper, stopper):
                task.cancel()
        log.info("%s stopped", self.name)

    async def _send_lane(self, rows: list[OutboxMessage], stop: asyncio.Event | None = None) -> None:
        connection: SmtpConnection | None = None
        try:
            for index, row in enumerate(rows):
                if stop is not None and stop.is_set():  # stopping: the rest is due again for any worker
                    released = await claims.release(rows[index:], self.clock())
                    log.info("%s: stopping; %d claimed message(s) released", self.name, released)
                    return
                if self.clock() >= row.next_attempt_at:
                    log.warning("%s: lease ran out; %d message(s) left to the next claim", self.name, len(rows) - index)
                    return
                if connection is None or not connection.alive:
                    try:
                        connection = await SmtpConnection(self.server).open()
                    except ConnectFailed as exc:
                        connection = None
                        for rest in rows[index:]:
                            await self._record(rest, Attempt(error=f"cannot connect: {exc}", connection_lost=True))
                        return
                await self._record(row, await self._send(connection, row))
                if not self.config.reuse_connections:
                    await connection.close()
                    connection = None
        finally:
            if connection is not None:
                await connection.close()

    async def _send(self, connection: SmtpConnection, row: OutboxMessage) -> Attempt:
        try:
            message = compose(row, self.config.mail_from, await attachments(row), self.config.console_url)
        except Exception as exc:  # a template broken after enqueue: retried, then FAILED
            log.exception("%s: message %s does not render", self.name, row.id)
            return Attempt(error=f"render failed: {type(exc).__name__}: {exc}")
        return await connection.send(message, self.sender, row.undelivered)

    async def _record(self, row: OutboxMessage, attempt: Attempt) -> None:
        now = self.clock()
        decision = decide(
            recipients=row.recipients,
            delivered_to=row.delivered_to,
            refused=row.refused,
            attempts=row.attempts,
            attempt=attempt,
            now=now,
            policy=self.config.retry,
            rng=self.rng,
        )
        if not await claims.record(row, decision, now):
            log.warning("%s: message %s was claimed by another worker meanwhile", self.name, row.id)
            return
        if self.on_outcome is not None:
            self.on_outcome(decision.status.value)
        if decision.last_error:
            log.info("%s: message %s %s: %s", self.name, row.id, decision.status.value, decision.last_error)
