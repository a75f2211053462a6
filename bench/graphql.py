"""The GraphQL read path against a raw endpoint doing the same work by hand (issue 12).

Two servers on one core (``taskset -c 0``), one after the other, never both under load:
``portal serve`` and ``bench/raw_endpoint.py`` (Starlette + asyncpg + orjson, the same JWT
checks and auth lookups, the same JSON from the same tables). Both read a throw-away
PostgreSQL database with one account of 144 invoices (3 to 5 lines each, one or two tax
rates) booked and billed through the product's use cases. This process drives them from
the other core (``sched_setaffinity`` to core 1): an asyncio HTTP/1.1 client with
``BENCH_CONNECTIONS`` keep-alive connections (16) that measures itself, in ``BENCH_ROUNDS``
(3) interleaved rounds of ``BENCH_ROUND_SECONDS`` (3 s) per workload and server.

Before any timing, every workload's answer from both servers is compared: the bench
refuses to run if they differ. Reported per workload: req/s, p50 and p99 (medians of the
rounds, min-max in the label), server CPU per request (the server process's utime+stime
from ``/proc/<pid>/stat`` over the round, divided by the requests served) and, from the
pages of 10 and 100 with all fields, the server CPU per resolved field (the slope). Each
group's baseline is the raw endpoint. Method and latest figures: ``bench/README.md``.

PostgreSQL comes from ``PORTAL_BENCH_POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``); without it this module measures nothing.
Also runnable alone: ``python -m bench graphql``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from bench import Measurement
from bench._postgres import admin, dsn, new_name, tortoise_url, unreachable
from bench._served import REPO, Served, free_port, pinned, served, wait_until_up
from bench.raw_endpoint import (
    ONE_INVOICE,
    PAGE_ALL,
    PAGE_FEW,
    TRUSTED_INVOICE,
    TRUSTED_PAGE_ALL,
    TRUSTED_PAGE_FEW,
    VIEWER,
)

ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WARMUP_SECONDS = min(0.5, ROUND_SECONDS / 4)
SERVER_CPU, CLIENT_CPU = 0, 1
OWNER = "bench-owner"
SCOPES = "billing:read invoices:read"
SUBSCRIPTIONS = 12  # x 12 monthly invoices = 144
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Workload:
    name: str
    query: str
    variables: dict[str, Any]


TRUSTED = ", trusted (compiled plan)"
"""Suffix of the workloads sending the service's trusted document (``schema/trusted/``),
which it runs on a compiled plan; the others send an ad hoc document with the same
selections, which it runs on graphql-core."""


def workloads(number: str) -> list[Workload]:
    return [
        Workload("{ viewer { subject } }", VIEWER, {}),
        Workload("one invoice by number, all fields", ONE_INVOICE, {"number": number}),
        Workload(f"one invoice by number, all fields{TRUSTED}", TRUSTED_INVOICE, {"number": number}),
        *(Workload(f"page of {n}, all fields", PAGE_ALL, {"first": n}) for n in (10, 50, 100)),
        *(Workload(f"page of {n}, all fields{TRUSTED}", TRUSTED_PAGE_ALL, {"first": n}) for n in (10, 50, 100)),
        *(Workload(f"page of {n}, few fields (number, status, total)", PAGE_FEW, {"first": n}) for n in (10, 50, 100)),
        *(Workload(f"page of {n}, few fields{TRUSTED}", TRUSTED_PAGE_FEW, {"first": n}) for n in (10, 50, 100)),
    ]


# The data: one account, 12 subscriptions of 3 to 5 lines billed monthly for 12 months.

async def seed(database_url: str) -> None:
    """Book, activate and bill through the use cases (rows written directly only for the
    invoice profiles and payment settings, as ``bench.billing`` does)."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE
    from tortoise.context import TortoiseContext

    from billing.access.caller import SCOPE_ADMIN, Caller
    from billing.accounts import create_account
    from billing.invoicing.invoices import record_payment
    from billing.invoicing.orders import LineRequest, OrderRequest, activate_order_line, create_order
    from billing.invoicing.run import run_billing
    from billing.invoicing.voiding import void_invoice
    from billing.payment_settings.gateway import TestGateway
    from billing.policy import BillingPolicy
    from billing.rules.periods import add_months
    from models.config import tortoise_config
    from models.coverage import Coverage
    from models.invoice_profile import DeliveryMethod, InvoiceProfile, Language
    from models.invoices import Invoice
    from models.payment import PaymentMethod, PaymentSettings
    from models.terms import BillingFrequency, TaxCategory

    staff = Caller("bench-staff", frozenset({SCOPE_ADMIN}), "bench")
    policy = BillingPolicy()
    start = add_months(datetime.now(UTC).date().replace(day=1), -11)
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        account = await create_account("Bench Devices K.K.", OWNER)
        for coverage in (Coverage.JP, Coverage.GLOBAL):
            profile = await InvoiceProfile.create(
                account_id=account.id, company_name="Bench Devices K.K.", department="Accounting",
                contact_name="Hanako Yamada", billing_email="ap@bench.example", cc_emails=["cfo@bench.example"],
                phone="+81-3-0000-0000", postal_code="100-0001", country="JP", region="Tokyo", city="Chiyoda-ku",
                address_lines=["1-1 Chiyoda", "Bench Tower 5F"], delivery_method=DeliveryMethod.EMAIL,
                language=Language.JA, tax_registration_number="T7000012050002", home_coverage=coverage,
            )
            await PaymentSettings.create(account_id=account.id, coverage=coverage,
                                         payment_method=PaymentMethod.INVOICE, invoice_profile=profile)
        products = [("SIM connectivity", "33000", TaxCategory.STANDARD), ("Device support", "5400", TaxCategory.REDUCED),
                    ("Fleet dashboard", "12000", TaxCategory.STANDARD), ("Spare modules", "800", TaxCategory.REDUCED),
                    ("Static IPs", "2500", TaxCategory.STANDARD)]
        for i in range(SUBSCRIPTIONS):
            coverage = Coverage.GLOBAL if i % 4 == 3 else Coverage.JP
            lines = [
                LineRequest(product, f"{product}, site {i + 1}",
                            Decimal(amount) / 100 if coverage is Coverage.GLOBAL else Decimal(amount) + i, 1 + i % 3,
                            tax)
                for product, amount, tax in products[: 3 + i % 3]
            ]
            booked = await create_order(staff, OrderRequest(
                account_id=account.id, coverage=coverage, booked_on=start, start_date=start,
                end_date=add_months(start, 12) - timedelta(days=1),
                billing_frequency=BillingFrequency.MONTHLY_IN_ADVANCE,
                po_number=f"PO-BENCH-{i + 1:03}" if i % 2 == 0 else None, lines=lines,
            ), policy)
            for line in booked.lines:
                await activate_order_line(staff, line.id, start)
        for month in range(12):
            await run_billing(add_months(start, month), policy=policy, gateway=TestGateway())
        invoices = await Invoice.all().order_by("issue_date", "id")
        for invoice in invoices[: len(invoices) // 2]:  # the older half paid, one voided
            await record_payment(staff, invoice.id, invoice.issue_date + timedelta(days=20))
        await void_invoice(staff, invoices[-1].id, "Issued in error (bench data).")
        await ctx.db().execute_script("ANALYZE")
    if len(invoices) < 120:
        raise RuntimeError(f"only {len(invoices)} invoices were issued (120+ wanted)")


@contextmanager
def database() -> Iterator[str | None]:
    """A throw-away PostgreSQL database (its Tortoise URL), dropped on exit; None without PostgreSQL."""
    name = new_name()
    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except unreachable() as exc:
        print(f"bench.graphql: no PostgreSQL at {dsn()} ({exc}): skipped", file=sys.stderr)
        yield None
        return
    try:
        yield tortoise_url(name)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def raw_endpoint(database_url: str, service: Served) -> Iterator[Served]:
    port = free_port()
    env = {
        **os.environ,
        "BENCH_RAW_DSN": dsn(urlsplit(database_url).path.lstrip("/")),
        "BENCH_RAW_JWKS": httpx.get(f"{service.url}/oauth/jwks").text,
        "BENCH_RAW_ISSUER": service.env.get("PORTAL_ISSUER") or service.url,  # the issuer follows the port
        "BENCH_RAW_AUDIENCE": service.env.get("PORTAL_AUDIENCE", "billing-portal"),
    }
    process = subprocess.Popen(pinned([sys.executable, "-m", "bench.raw_endpoint", "--port", str(port)], SERVER_CPU),
                               env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process, "the raw endpoint")
        yield Served(f"http://127.0.0.1:{port}", env, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)


# The load generator: keep-alive HTTP/1.1 connections, each sending the next request when
# the previous answer is in; it measures itself.

def request_bytes(server: Served, token: str, workload: Workload) -> bytes:
    body = orjson.dumps({"query": workload.query, "variables": workload.variables})
    host = server.url.removeprefix("http://")
    head = (f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return status, await reader.readexactly(int(line[15:]))
    raise RuntimeError(f"an answer without Content-Length: {head!r}")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        fields = stat.read().rpartition(b")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass(frozen=True)
class Round:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_seconds: float
    client_cpu_seconds: float

    @property
    def server_busy(self) -> float:
        return self.cpu_seconds / self.seconds

    @property
    def client_busy(self) -> float:
        return self.client_cpu_seconds / self.seconds

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us_per_request(self) -> float:
        return self.cpu_seconds / self.requests * 1e6


async def load(server: Served, request: bytes, seconds: float) -> Round:
    host, port = server.url.removeprefix("http://").split(":")
    connections = [await asyncio.open_connection(host, int(port)) for _ in range(CONNECTIONS)]
    latencies: list[float] = []
    failures: list[bytes] = []

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, deadline: float) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            status, body = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200 or body.startswith(b'{"errors"') or b'"errors":' in body[:20]:
                failures.append(body[:300])

    cpu_before, client_before = cpu_seconds(server.pid), time.process_time()
    started = time.perf_counter()
    try:
        await asyncio.gather(*(client(reader, writer, started + seconds) for reader, writer in connections))
    finally:
        for _, writer in connections:
            writer.close()
    elapsed = time.perf_counter() - started
    cpu, client_cpu = cpu_seconds(server.pid) - cpu_before, time.process_time() - client_before
    if failures:
        raise RuntimeError(f"{len(failures)} failed answers from {server.url}, e.g. {failures[0]!r}")
    ordered = sorted(latencies)
    return Round(len(ordered), elapsed, ordered[len(ordered) // 2] * 1000,
                 ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, cpu, client_cpu)


# Checking that both answer the same.

def field_count(value: Any) -> int:
    """Resolved fields in an answer: every key of every object."""
    if isinstance(value, dict):
        return len(value) + sum(field_count(v) for v in value.values())
    if isinstance(value, list):
        return sum(field_count(v) for v in value)
    return 0


def first_difference(a: Any, b: Any, path: str = "data") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(dict.fromkeys([*a, *b])):
            found = first_difference(a.get(key, "<missing>"), b.get(key, "<missing>"), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items against {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} against {b!r}"


def same_answers(servers: dict[str, Served], token: str, work: list[Workload]) -> dict[str, int]:
    """Fields per workload's answer; SystemExit if the two servers' answers differ."""
    fields = {}
    for workload in work:
        body = {"query": workload.query, "variables": workload.variables}
        answers = {}
        for name, server in servers.items():
            response = httpx.post(f"{server.url}/graphql", json=body, headers={"Authorization": f"Bearer {token}"},
                                  timeout=60)
            answers[name] = response.json()
            if response.status_code != 200 or "errors" in answers[name] or "data" not in answers[name]:
                raise SystemExit(f"bench.graphql: {name} failed {workload.name}: {response.text[:500]}")
        service, raw = answers["service"], answers["raw"]
        difference = first_difference(service["data"], raw["data"])
        # The service also reports the operation's cost (extensions.cost, a few bytes: see
        # docs/limits.md); the raw endpoint computes none. Anything else must be equal.
        if difference or {**service, "extensions": None} != {**raw, "extensions": None}:
            raise SystemExit(f"bench.graphql: the raw endpoint's answer differs from the service's for "
                             f"{workload.name}: {difference or 'outside data'}; refusing to measure")
        fields[workload.name] = field_count(service["data"])
    return fields


# Running it.

async def drive(servers: dict[str, Served], token: str, work: list[Workload]) -> dict[tuple[str, str], list[Round]]:
    requests = {(w.name, name): request_bytes(s, token, w) for w in work for name, s in servers.items()}
    for (_, name), request in requests.items():  # warm up (document caches, pools, code paths)
        await load(servers[name], request, WARMUP_SECONDS)
    results: dict[tuple[str, str], list[Round]] = {key: [] for key in requests}
    for number in range(ROUNDS):
        order = ["service", "raw"] if number % 2 == 0 else ["raw", "service"]
        for workload in work:
            for name in order:
                results[workload.name, name].append(await load(servers[name], requests[workload.name, name],
                                                                ROUND_SECONDS))
    return results


def on_client_core() -> set[int] | None:
    """Move this process to the load generator's core; the affinity to restore after."""
    before = os.sched_getaffinity(0)
    if len(before) < 2 or CLIENT_CPU not in before:
        return None
    os.sched_setaffinity(0, {CLIENT_CPU})
    return before


def spread(values: list[float], digits: int = 0) -> str:
    return f"{min(values):,.{digits}f}-{max(values):,.{digits}f}"


def measurements(results: dict[tuple[str, str], list[Round]], fields: dict[str, int],
                 work: list[Workload]) -> list[Measurement]:
    out = []
    metrics = [
        ("req/s", "req/s", lambda r: r.per_second, 1),
        ("p50 latency", "ms", lambda r: r.p50_ms, 1),
        ("p99 latency", "ms", lambda r: r.p99_ms, 1),
        ("server CPU per request", "µs/request", lambda r: r.cpu_us_per_request, 0),
    ]
    for workload in work:
        for metric, unit, of, digits in metrics:
            group = f"graphql {workload.name} ({fields[workload.name]:,} fields): {metric}"
            for name in ("raw", "service"):
                values = [of(r) for r in results[workload.name, name]]
                label = "raw endpoint" if name == "raw" else "portal serve"
                out.append(Measurement(group, f"{label} (min-max {spread(values, digits)})",
                                       statistics.median(values), unit, baseline=name == "raw"))
    for suffix, path in (("", "graphql-core"), (TRUSTED, "compiled plan")):
        small, large = f"page of 10, all fields{suffix}", f"page of 100, all fields{suffix}"
        group = f"graphql server CPU per resolved field, {path} (slope, {fields[small]:,} to {fields[large]:,} fields)"
        for name in ("raw", "service"):
            cpu = {w: statistics.median(r.cpu_us_per_request for r in results[w, name]) for w in (small, large)}
            slope = (cpu[large] - cpu[small]) / (fields[large] - fields[small])
            label = "raw endpoint" if name == "raw" else "portal serve"
            out.append(Measurement(group, f"{label} ({slope:.2f} µs)", slope, "µs/field", baseline=name == "raw"))
    return out


def report_load(results: dict[tuple[str, str], list[Round]]) -> None:
    """How busy the server's core and the client's were (median of the rounds): a server far
    from 100 % while the client is near it means the client, not the server, set the pace."""
    print("bench.graphql: busy (median of rounds)      server core   client core", file=sys.stderr)
    for (workload, name), rounds in results.items():
        server = statistics.median(r.server_busy for r in rounds)
        client = statistics.median(r.client_busy for r in rounds)
        print(f"  {name:>7}  {workload[:32]:<32}  {server:>10.0%}  {client:>12.0%}", file=sys.stderr)


def run() -> list[Measurement]:
    started = time.perf_counter()
    with database() as url:
        if url is None:
            return []

        def prepare(server: Served) -> None:
            asyncio.run(seed(url))

        env = {"PORTAL_GRAPHQL_TIMEOUT_SECONDS": "120"}  # overloaded on purpose: measure, do not cancel
        with served(database_url=url, demo=False, prepare=prepare, env=env, cpu=SERVER_CPU) as service:
            token = service.portal("token", "--subject", OWNER, "--scope", SCOPES).strip()
            number = _some_invoice_number(service, token)
            work = workloads(number)
            with raw_endpoint(url, service) as raw:
                servers = {"service": service, "raw": raw}
                fields = same_answers(servers, token, work)
                restore = on_client_core()
                try:
                    results = asyncio.run(drive(servers, token, work))
                finally:
                    if restore is not None:
                        os.sched_setaffinity(0, restore)
    report_load(results)
    print(f"bench.graphql: {time.perf_counter() - started:.0f} s ({ROUNDS} rounds of {ROUND_SECONDS:g} s, "
          f"{CONNECTIONS} connections, pinned: {restore is not None})", file=sys.stderr)
    return measurements(results, fields, work)


def _some_invoice_number(service: Served, token: str) -> str:
    """A number from the middle of the account's invoices (through the API itself)."""
    body = {"query": PAGE_FEW, "variables": {"first": 100}}
    answer = httpx.post(f"{service.url}/graphql", json=body, headers={"Authorization": f"Bearer {token}"},
                        timeout=60).json()
    if not (answer.get("data") or {}).get("invoices"):
        raise SystemExit(f"bench.graphql: the service did not list the invoices: {answer}")
    edges = answer["data"]["invoices"]["edges"]
    return edges[len(edges) // 3]["node"]["number"]


if __name__ == "__main__":
    from bench.__main__ import table

    print(table(run()))

