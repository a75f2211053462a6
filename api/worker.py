"""Running the mail worker as a process (``portal worker``): configuration from
settings, SMTP target or development sink, signals, companion jobs."""

from __future__ import annotations

import asyncio
import datetime
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress

from api.metrics import Metrics, serve_metrics_port
from api.settings import Settings
from billing.webhooks.destinations import Destinations
from billing.webhooks.retry import RetryPolicy as WebhookRetryPolicy
from billing.webhooks.worker import WebhookConfig, WebhookDeliverer
from notifications import claims
from notifications.retry import RetryPolicy
from notifications.single_worker import single_worker
from notifications.sink import MailSink
from notifications.smtp import SmtpServer
from notifications.worker import Worker, WorkerConfig

log = logging.getLogger("notifications.worker")


class NoSmtpServer(RuntimeError):
    """Production needs a real SMTP server."""


@contextmanager
def smtp_target(settings: Settings) -> Iterator[SmtpServer]:
    """``PORTAL_SMTP_URL``, or (development only) a mail sink writing to ``PORTAL_MAIL_DIR``."""
    if settings.smtp_url:
        yield SmtpServer.from_url(settings.smtp_url)
        return
    if settings.is_production:
        raise NoSmtpServer("PORTAL_SMTP_URL must be set in production")
    sink = MailSink(settings.mail_dir).start()
    log.warning("no PORTAL_SMTP_URL: mail is written as .eml files to %s", settings.mail_dir.resolve())
    try:
        yield SmtpServer.from_url(sink.url)
    finally:
        sink.stop()


Companion = Callable[[asyncio.Event], Awaitable[None]]


def worker_config(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        mail_from=settings.mail_from,
        console_url=settings.console,
        batch_size=settings.outbox_batch_size,
        concurrency=settings.outbox_concurrency,
        lease_seconds=settings.outbox_lease_seconds,
        poll_seconds=settings.outbox_poll_seconds,
        retry=RetryPolicy(
            settings.outbox_max_attempts, settings.outbox_backoff_seconds, settings.outbox_backoff_max_seconds
        ),
    )


def webhook_deliverer(settings: Settings, metrics: Metrics | None = None) -> WebhookDeliverer:
    """The webhook companion: ``PORTAL_WEBHOOK_*`` settings, production's destination rules."""
    config = WebhookConfig(
        retry=WebhookRetryPolicy(
            settings.webhook_backoff_seconds, settings.webhook_backoff_max_seconds,
            settings.webhook_retry_window_seconds,
        ),
        timeout_seconds=settings.webhook_timeout_seconds,
        failure_threshold=settings.webhook_failure_threshold,
        concurrency=settings.webhook_concurrency,
        poll_seconds=settings.outbox_poll_seconds,
    )
    return WebhookDeliverer(
        config, Destinations(production=settings.is_production), on_outcome=None if metrics is None else metrics.webhook_delivery
    )


async def run_worker(
    settings: Settings, *, once: bool, companions: Sequence[Companion] = (), metrics: Metrics | None = None
) -> int:
    """Deliver due messages once, or until SIGINT/SIGTERM; the ORM must be open.

    ``companions`` run beside the mail loop until the same stop (the CLI passes the
    daily billing run: notifications does not know about billing). ``metrics`` counts
    the deliveries, served on ``PORTAL_METRICS_PORT`` while the worker runs.
    """
    with single_worker(settings.database_url), smtp_target(settings) as server:
        worker = Worker(worker_config(settings), server, on_outcome=None if metrics is None else metrics.email_delivery)
        if once:
            backlog = await claims.due_count(datetime.datetime.now(datetime.UTC))
            with backlog_progress("sending emails", backlog) as advance:
                worker.on_outcome = _also(worker.on_outcome, advance)
                return await worker.drain()
        metrics = metrics or Metrics.with_database()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _stopping, stop)
        with serve_metrics_port(settings, metrics):
            await asyncio.gather(worker.run(stop), *(companion(stop) for companion in companions))
        return 0


@contextmanager
def backlog_progress(label: str, total: int) -> Iterator[Callable[[], None]]:
    """A progress bar over ``total`` attempts on a terminal (standard error), nothing when
    piped; yields the function that advances it by one."""
    with Progress(console=Console(stderr=True), disable=not sys.stderr.isatty(), transient=True) as bar:
        task = bar.add_task(label, total=total or None)
        yield lambda: bar.advance(task)


def _also(counted: Callable[[str], None] | None, advance: Callable[[], None]) -> Callable[[str], None]:
    """Tell ``counted`` (the metrics) each outcome, and move the bar."""
    def told(outcome: str) -> None:
        if counted is not None:
            counted(outcome)
        advance()
    return told


def _stopping(stop: asyncio.Event) -> None:
    """SIGTERM/SIGINT: every loop finishes the sends in flight, releases the messages it
    claimed but did not try (due again at once for another worker) and returns."""
    if not stop.is_set():
        log.info("stop requested: finishing the sends in flight, releasing the rest")
    stop.set()


async def run_sink(settings: Settings, host: str, port: int) -> None:
    """Serve the mail sink until SIGINT/SIGTERM."""
    sink = MailSink(settings.mail_dir, host, port).start()
    print(f"mail sink on {sink.url}, writing to {settings.mail_dir.resolve()}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        sink.stop()
