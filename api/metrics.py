"""Prometheus metrics: one registry per running app or worker (no global registry,
so several apps in one test process never collide), what moves the counters, and
``/metrics``.

- HTTP requests by method, route template (``/invoices/{number}.pdf``, never the raw
  path) and status, with a latency histogram (``MetricsMiddleware``); 429 refusals
  and idempotent replays are read from the responses.
- GraphQL operations by name and their errors by ``extensions.code``
  (``api.graphql_app``), token validations by result.
- Billing runs (the ``runBilling`` mutation, the worker's daily run): invoices
  issued, held, failed, and the run's seconds.
- Email and webhook deliveries by outcome, counted in the worker process.
- Gauges read from the database at scrape time (``DatabaseGauges``): outbox depth by
  status, how long the longest-waiting due message has waited, webhook deliveries by
  status, the PostgreSQL pool in use.

``PORTAL_METRICS`` says who may scrape (docs/operations.md#metrics).
"""

from __future__ import annotations

import asyncio
import contextvars
import hmac
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import start_http_server
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise import connections
from tortoise.functions import Count

from models.outbox import OutboxMessage, OutboxStatus
from models.webhooks import WebhookDelivery

if TYPE_CHECKING:
    from api.settings import Settings
    from billing.invoicing.run import RunReport

log = logging.getLogger("portal.metrics")

METRICS_MODES = ("public", "token", "off")
"""``PORTAL_METRICS``: ``public`` serves /metrics to anyone (development's default),
``token`` asks for ``Authorization: Bearer <PORTAL_METRICS_TOKEN>`` (production's
default), ``off`` serves nothing."""

_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_OPERATION_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")
MAX_OPERATION_NAMES = 200
"""Distinct operation names counted; later ones are counted as ``other`` (names are
chosen by clients: without a cap, one client could grow the series without end)."""


@dataclass
class Metrics:
    """The counters of one process, in their own registry."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    database: DatabaseGauges | None = None
    """The gauges read from the database at scrape time, if this registry has them."""

    @classmethod
    def with_database(cls) -> Metrics:
        """A registry with the database gauges (the API's and the worker's)."""
        metrics = cls(database=DatabaseGauges())
        assert metrics.database is not None
        metrics.registry.register(metrics.database)
        return metrics

    def __post_init__(self) -> None:
        r = self.registry
        self.http_requests = Counter(
            "portal_http_requests", "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"], registry=r,
        )
        self.http_duration = Histogram(
            "portal_http_request_duration_seconds", "Time to answer an HTTP request, by method and route template.",
            ["method", "route"], registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        self.rate_limited = Counter(
            "portal_rate_limited_requests", "Requests refused with 429 (rate limit spent), by route.", ["route"],
            registry=r,
        )
        self.idempotent_replays = Counter(
            "portal_idempotent_replays", "Answers replayed for a repeated Idempotency-Key, by route.", ["route"],
            registry=r,
        )
        self.graphql_operations = Counter(
            "portal_graphql_operations", "GraphQL operations run, by operation name (`anonymous` when unnamed).",
            ["operation"], registry=r,
        )
        self.graphql_errors = Counter(
            "portal_graphql_errors", "GraphQL errors answered, by operation name and extensions.code.",
            ["operation", "code"], registry=r,
        )
        self.token_validations = Counter(
            "portal_token_validations",
            "Bearer tokens checked at /graphql, by result: ok, missing, invalid, revoked, not_authorised.",
            ["result"], registry=r,
        )
        self.billing_runs = Counter("portal_billing_runs", "Billing runs finished.", registry=r)
        self.billing_invoices = Counter(
            "portal_billing_run_units", "What billing runs did, by outcome: issued (invoices), held "
            "(subscriptions), failed (billing units).", ["outcome"], registry=r,
        )
        self.billing_seconds = Histogram(
            "portal_billing_run_duration_seconds", "Time a billing run took.", registry=r,
            buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
        )
        self.email_deliveries = Counter(
            "portal_email_deliveries", "Email delivery attempts recorded by the worker, by outcome "
            "(SENT, PENDING: to be retried, FAILED).", ["outcome"], registry=r,
        )
        self.webhook_deliveries = Counter(
            "portal_webhook_deliveries", "Webhook delivery attempts recorded by the worker, by outcome "
            "(the delivery's status after the try).", ["outcome"], registry=r,
        )
        self._operation_names: set[str] = set()
        self._names_lock = threading.Lock()

    def operation_label(self, name: object) -> str:
        """``name`` as a label: ``anonymous``, ``other`` (not a GraphQL name, a JSON value of
        another type included, or past the cap of names), or the name itself."""
        if name is None or name == "":
            return "anonymous"
        if not isinstance(name, str):
            return "other"
        if not _OPERATION_NAME.match(name):
            return "other"
        with self._names_lock:
            if name not in self._operation_names:
                if len(self._operation_names) >= MAX_OPERATION_NAMES:
                    return "other"
                self._operation_names.add(name)
        return name

    def graphql_result(self, operation_name: object, errors: list[Any] | None) -> None:
        operation = self.operation_label(operation_name)
        self.graphql_operations.labels(operation).inc()
        for error in errors or []:
            code = (getattr(error, "extensions", None) or {}).get("code") or "UNCODED"
            self.graphql_errors.labels(operation, str(code)).inc()

    def billing_run(self, report: RunReport, seconds: float) -> None:
        """Count a finished run (given to the ``runBilling`` mutation and the worker's daily run)."""
        self.billing_runs.inc()
        self.billing_invoices.labels("issued").inc(len(report.issued))
        self.billing_invoices.labels("held").inc(len(report.held))
        self.billing_invoices.labels("failed").inc(len(report.failures))
        self.billing_seconds.observe(seconds)

    def email_delivery(self, outcome: str) -> None:
        self.email_deliveries.labels(outcome).inc()

    def webhook_delivery(self, outcome: str) -> None:
        self.webhook_deliveries.labels(outcome).inc()


class DatabaseGauges(Collector):
    """Gauges read from the database when scraped. ``/metrics`` refreshes them on the
    event loop before rendering; a scrape from another thread (``serve_metrics_port``)
    runs the refresh on the loop the process runs (``bind``), in the context it was bound in
    (the worker's ORM is a ``TortoiseContext``, a context variable the scraping thread has
    not got), and waits for it."""

    def __init__(self, timeout_seconds: float = 5.0) -> None:
        self.timeout_seconds = timeout_seconds
        self.loop: asyncio.AbstractEventLoop | None = None
        self.context = contextvars.copy_context()
        self.families: list[Metric] = []

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Refresh on ``loop``, in the caller's context (call it on that loop)."""
        self.loop = loop
        self.context = contextvars.copy_context()

    def collect(self) -> Iterator[Metric]:
        loop = self.loop
        if loop is not None and loop.is_running() and not _in_loop(loop):
            try:
                # A copy per scrape: the port's server answers scrapes on several threads at once.
                self.context.copy().run(
                    asyncio.run_coroutine_threadsafe, self.refresh(), loop
                ).result(self.timeout_seconds)
            except Exception:  # a scrape must not fail because the database is slow: old values
                log.warning("database gauges not refreshed", exc_info=True)
        yield from self.families

    async def refresh(self) -> None:
        try:
            self.families = await _database_families()
        except Exception as exc:  # the database is away: the scrape says so instead of failing
            log.warning("database gauges not read: %s", type(exc).__name__)
            up = GaugeMetricFamily("portal_database_up", "Whether the last scrape could read the database.")
            up.add_metric([], 0)
            self.families = [up]


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


async def _database_families() -> list[Metric]:
    now = datetime.now(UTC)
    up = GaugeMetricFamily("portal_database_up", "Whether the last scrape could read the database.")
    up.add_metric([], 1)
    outbox = GaugeMetricFamily("portal_outbox_messages", "Emails in the outbox, by status.", labels=["status"])
    counts = {row["status"]: row["n"] for row in await OutboxMessage.annotate(n=Count("id")).group_by("status").values("status", "n")}
    for status in OutboxStatus:
        outbox.add_metric([status.value], counts.get(status, counts.get(status.value, 0)))
    oldest = await (
        OutboxMessage.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at").first().values_list("next_attempt_at", flat=True)
    )
    waiting = GaugeMetricFamily(
        "portal_outbox_oldest_due_seconds",
        "Seconds the longest-waiting due PENDING email has waited since it fell due (0: none is due).",
    )
    waiting.add_metric([], max((now - oldest).total_seconds(), 0.0) if isinstance(oldest, datetime) else 0.0)
    deliveries = GaugeMetricFamily("portal_webhook_delivery_rows", "Webhook deliveries, by status.", labels=["status"])
    for row in await WebhookDelivery.annotate(n=Count("id")).group_by("status").values("status", "n"):
        status = row["status"]
        deliveries.add_metric([getattr(status, "value", str(status))], row["n"])
    return [up, outbox, waiting, deliveries, *_pool_families()]


def _pool_families() -> list[Metric]:
    """The asyncpg pool's connections in use and idle. SQLite has no pool (one
    connection per process): nothing is reported there."""
    pool = getattr(connections.get("default"), "_pool", None)
    if pool is None or not hasattr(pool, "get_idle_size"):
        return []
    family = GaugeMetricFamily("portal_db_pool_connections", "Database pool connections, by state.", labels=["state"])
    idle = pool.get_idle_size()
    family.add_metric(["in_use"], pool.get_size() - idle)
    family.add_metric(["idle"], idle)
    family.add_metric(["max"], pool.get_max_size())
    return [family]


class MetricsMiddleware:
    """Counts every HTTP request by method, route template and status, and times it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        replayed = False

        async def observing_send(message: Message) -> None:
            nonlocal status, replayed
            if message["type"] == "http.response.start":
                status = message["status"]
                replayed = any(name.lower() == b"idempotent-replayed" for name, _ in message.get("headers", []))
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"
            route = route_template(scope)
            self.metrics.http_requests.labels(method, route, str(status)).inc()
            self.metrics.http_duration.labels(method, route).observe(time.perf_counter() - started)
            if status == 429:
                self.metrics.rate_limited.labels(route).inc()
            if replayed:
                self.metrics.idempotent_replays.labels(route).inc()


def route_template(scope: Scope) -> str:
    """The path template of the route that answered (``/invoices/{number}.pdf``), or
    ``unmatched`` (a raw path would make a series per URL)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


def metrics_routes(settings: Settings, metrics: Metrics) -> list[Route]:
    """``/metrics`` on the API's own port, unless ``PORTAL_METRICS=off`` or a port of
    its own (``PORTAL_METRICS_PORT``) serves it."""
    if settings.metrics == "off" or settings.metrics_port is not None:
        return []
    expected = f"Bearer {settings.metrics_token}".encode() if settings.metrics_token else None
    if settings.metrics == "token" and expected is None:
        log.warning("PORTAL_METRICS=token without PORTAL_METRICS_TOKEN: /metrics refuses every scrape")

    async def scrape(request: Request) -> Response:
        if settings.metrics == "token":
            given = request.headers.get("authorization", "").encode()
            if expected is None or not hmac.compare_digest(given, expected):
                return JSONResponse(
                    {"errors": [{"message": "Unauthorised: /metrics needs the metrics bearer token."}]},
                    status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        if metrics.database is not None:
            await metrics.database.refresh()
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", scrape, methods=["GET"])]


@contextmanager
def serve_metrics_port(settings: Settings, metrics: Metrics) -> Iterator[None]:
    """Serve ``registry`` on ``PORTAL_METRICS_PORT`` (on ``PORTAL_HOST``) while the
    block runs, if set and ``PORTAL_METRICS`` is not ``off``; the port needs no token
    (keep it off the public network)."""
    if settings.metrics_port is None or settings.metrics == "off":
        yield
        return
    if metrics.database is not None:
        metrics.database.bind(asyncio.get_running_loop())
    server, thread = start_http_server(settings.metrics_port, addr=settings.host, registry=metrics.registry)
    log.info("metrics on http://%s:%d/metrics", settings.host, settings.metrics_port)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

