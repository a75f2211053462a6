"""``portal serve`` stops without dropping a request (docs/operations.md, "Restarts and shutdown").

Real server processes, a real signal, and a client that behaves like a load balancer: it
health-checks ``/readyz``, sends only to the processes that answer 200 there, and tries
another process only when a connection is refused before anything was sent. Every request
it sent must get a complete 200 answer.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest

from api.app import create_app
from api.settings import Settings, SettingsError
from tests.support.postgres import PostgresDatabase
from tests.support.server import free_port, portal, portal_env, spawn_serve, wait_serving

VIEWER = "{ viewer { subject role account { name } } }"
DRAIN_SECONDS = 3  # long enough for the balancer's health checks (every 0.1 s) to notice
EXIT_TIMEOUT = 60  # bounded waits: generous, never a claim about speed


@dataclass
class Balancer:
    """A tiny round-robin proxy client: what nginx or a cloud load balancer does."""

    urls: list[str]
    token: str
    ready: dict[str, bool] = field(default_factory=dict)
    answers: list[tuple[str, httpx.Response]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    refused: int = 0

    def __post_init__(self) -> None:
        self.ready = dict.fromkeys(self.urls, True)
        self.turn = itertools.cycle(self.urls)
        self.clients = {url: httpx.AsyncClient(base_url=url, timeout=30) for url in self.urls}

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def health_checks(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=5) as probe:
            while not stop.is_set():
                for url in self.urls:
                    try:
                        self.ready[url] = (await probe.get(f"{url}/readyz")).status_code == 200
                    except httpx.TransportError:
                        self.ready[url] = False
                await asyncio.sleep(0.1)

    def candidates(self) -> list[str]:
        first = next(self.turn)
        ordered = [first, *(url for url in self.urls if url != first)]
        return [url for url in ordered if self.ready[url]] + [url for url in ordered if not self.ready[url]]

    async def send(self) -> None:
        for url in self.candidates():
            try:
                response = await self.clients[url].post(
                    "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {self.token}"}
                )
            except httpx.ConnectError:  # refused before anything was sent: safe to send elsewhere
                self.refused += 1
                continue
            except httpx.HTTPError as exc:  # sent, then reset or cut: a failed request
                self.failures.append((url, f"{type(exc).__name__}: {exc}"))
                return
            self.answers.append((url, response))
            return
        self.failures.append(("*", "every process refused the connection"))

    async def load(self, stop: asyncio.Event, senders: int = 8) -> None:
        async def sender() -> None:
            while not stop.is_set():
                await self.send()

        await asyncio.gather(*(sender() for _ in range(senders)))

    def answered_by(self, url: str) -> int:
        return sum(1 for served_by, _ in self.answers if served_by == url)


@pytest.fixture
def shared_env(backend: str, postgres_database: PostgresDatabase | None, tmp_path: Path) -> dict[str, str]:
    """Settings both processes share: one database, one signing key, one issuer, and an
    account whose owner's token the load uses."""
    env = portal_env(
        tmp_path,
        PORTAL_ISSUER="https://portal.test",
        PORTAL_SHUTDOWN_DRAIN_SECONDS=str(DRAIN_SECONDS),
        PORTAL_SHUTDOWN_TIMEOUT_SECONDS="30",
        PORTAL_RATE_LIMIT_SUBJECT_PER_MINUTE="0",
    )
    if backend == "postgres":
        assert postgres_database is not None
        env["PORTAL_DATABASE_URL"] = postgres_database.url
    else:
        portal(env, "migrate")
    return env


def start(
    env: dict[str, str], tmp_path: Path, name: str, port: int | None = None
) -> tuple[str, subprocess.Popen[bytes], Path]:
    port = port or free_port()
    log = tmp_path / f"{name}.log"
    process = spawn_serve(env, port, log)
    url = f"http://127.0.0.1:{port}"
    wait_serving(f"{url}/healthz", process, log)
    return url, process, log


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


async def exited(process: subprocess.Popen[bytes]) -> int:
    async with asyncio.timeout(EXIT_TIMEOUT):
        while process.poll() is None:
            await asyncio.sleep(0.05)
    return process.returncode


async def until(condition: object, timeout: float = EXIT_TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.02)


async def test_sigterm_under_load_fails_no_request_and_exits_0(shared_env, tmp_path):
    owner = f"owner-{tmp_path.name}"[:60]
    portal(shared_env, "accounts", "create", "--name", "Acme IoT K.K.", "--owner", owner)
    token = portal(shared_env, "token", "--subject", owner, "--scope", "billing:read").strip()  # writes the key first
    first_url, first, first_log = start(shared_env, tmp_path, "first")
    second_url, second, _ = start(shared_env, tmp_path, "second")
    balancer = Balancer([first_url, second_url], token)
    stopping = asyncio.Event()
    background = [asyncio.create_task(balancer.health_checks(stopping)), asyncio.create_task(balancer.load(stopping))]
    try:
        await until(lambda: balancer.answered_by(first_url) >= 50 and balancer.answered_by(second_url) >= 50)
        first.send_signal(signal.SIGTERM)
        async with httpx.AsyncClient(timeout=10) as fresh:  # a new connection, right after the signal
            readiness = await fresh.get(f"{first_url}/readyz")
            during_drain = await fresh.get(f"{first_url}/healthz")
        assert first.poll() is None, "the process goes on serving during the drain"
        before_exit = len(balancer.answers)
        returncode = await exited(first)
        after_exit = len(balancer.answers)
        await until(lambda: len(balancer.answers) >= after_exit + 100)  # the other process carries the load
    finally:
        stopping.set()
        await asyncio.gather(*background, return_exceptions=True)
        await balancer.aclose()
        stop(first)
        stop(second)

    assert readiness.status_code == 503 and readiness.json() == {"status": "draining"}
    assert during_drain.status_code == 200 and during_drain.headers["connection"] == "close"
    assert returncode == 0, first_log.read_text()
    assert balancer.failures == [], balancer.failures[:5]
    assert before_exit < after_exit, "requests went on being answered while the process drained"
    assert all(r.status_code == 200 for _, r in balancer.answers), {r.status_code for _, r in balancer.answers}
    assert {r.json()["data"]["viewer"]["subject"] for _, r in balancer.answers} == {owner}
    assert "draining for 3s" in first_log.read_text()


async def test_a_request_in_flight_when_listening_stops_is_answered_in_full(tmp_path):
    port = free_port()  # no PORTAL_ISSUER: the CLI and the server both derive it from PORTAL_PORT
    env = portal_env(
        tmp_path, PORTAL_PORT=str(port), PORTAL_SHUTDOWN_DRAIN_SECONDS="0", PORTAL_SHUTDOWN_TIMEOUT_SECONDS="30"
    )
    portal(env, "migrate")
    portal(env, "accounts", "create", "--name", "Acme IoT K.K.", "--owner", "alice")
    token = portal(env, "token", "--subject", "alice", "--scope", "billing:read").strip()
    url, process, log = start(env, tmp_path, "serve", port)
    body = orjson.dumps({"query": VIEWER})
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body[:10]
            )
            await asyncio.sleep(0.3)  # the server has read the headers: the request is in flight
            process.send_signal(signal.SIGTERM)
            await until(lambda: not _accepts(port))  # no drain: it stops listening at once
            conn.sendall(body[10:])
            answer = _read_all(conn)
        returncode = await exited(process)
    finally:
        stop(process)
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b"connection: close" in head.lower()
    assert orjson.loads(_unchunked(head, payload))["data"]["viewer"]["subject"] == "alice"
    assert returncode == 0, log.read_text()


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def _unchunked(head: bytes, payload: bytes) -> bytes:
    if b"transfer-encoding: chunked" not in head.lower():
        return payload
    body, rest = b"", payload
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return body
        body, rest = body + rest[:size], rest[size + 2:]


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


async def test_readyz_answers_503_while_draining(services, db):
    app = create_app(services, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal.test") as http:
        assert (await http.get("/readyz")).status_code == 200
        app.state.drain.begin()
        answer = await http.get("/readyz")
        assert (await http.get("/healthz")).status_code == 200
    assert answer.status_code == 503 and answer.json() == {"status": "draining"}


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PORTAL_SHUTDOWN_DRAIN_SECONDS", "-1"), ("PORTAL_SHUTDOWN_DRAIN_SECONDS", "soon"),
     ("PORTAL_SHUTDOWN_TIMEOUT_SECONDS", "0"), ("PORTAL_SHUTDOWN_TIMEOUT_SECONDS", "1.5")],
)
def test_shutdown_settings_are_checked(variable, value):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    assert raised.value.variable == variable


def test_shutdown_settings_default_and_parse():
    assert (Settings.from_env({}).shutdown_drain_seconds, Settings.from_env({}).shutdown_timeout_seconds) == (5.0, 20)
    parsed = Settings.from_env({"PORTAL_SHUTDOWN_DRAIN_SECONDS": "0", "PORTAL_SHUTDOWN_TIMEOUT_SECONDS": "45"})
    assert (parsed.shutdown_drain_seconds, parsed.shutdown_timeout_seconds) == (0.0, 45)
