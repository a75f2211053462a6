"""``portal serve`` in its own process, for benchmarks that must see the server as clients
do: over TCP, with its own event loop.

By default on a throw-away SQLite database with the demo data. ``database_url`` serves
another database instead (a PostgreSQL one the benchmark created), ``demo=False`` leaves
the demo data out, ``prepare`` fills the migrated database before the server starts,
``env`` adds settings (``PORTAL_*`` or any other variable), and ``cpu`` pins the server to
one core (``taskset -c``; ignored where ``taskset`` is missing). ``Served.pid`` is the
server's process id, for reading its CPU time from ``/proc``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Served:
    url: str
    env: dict[str, str]
    pid: int = 0

    def portal(self, *args: str) -> str:
        """``portal <args>`` against the served database; its standard output."""
        result = subprocess.run([sys.executable, "-m", "api.cli", *args], env=self.env, cwd=REPO,
                                capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise RuntimeError(f"portal {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pinned(command: list[str], cpu: int | None) -> list[str]:
    """``command`` run on core ``cpu`` only (unchanged when ``cpu`` is None or there is no ``taskset``)."""
    if cpu is None or shutil.which("taskset") is None:
        return command
    return ["taskset", "-c", str(cpu), *command]


def wait_until_up(url: str, process: subprocess.Popen[bytes], what: str, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}{path}", timeout=2)
            return
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.2)


@contextmanager
def served(
    *,
    database_url: str | None = None,
    demo: bool = True,
    prepare: Callable[[Served], None] | None = None,
    env: Mapping[str, str] | None = None,
    cpu: int | None = None,
    **settings: str,
) -> Iterator[Served]:
    """Migrated (with the demo data unless ``demo=False``, then ``prepare``), serving on a
    free loopback port; stopped on exit."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
            "PORTAL_ENV_FILE": os.devnull,  # no developer's .env
            "PORTAL_DATABASE_URL": database_url or f"sqlite://{tmp}/bench.sqlite3",
            "PORTAL_SIGNING_KEY_FILE": f"{tmp}/key.json",
            "PORTAL_MAIL_DIR": f"{tmp}/mail",
            "PORTAL_LOG_LEVEL": "WARNING",
            # The served address for every command: `portal token` mints with the issuer the
            # server derives from it (without PORTAL_ISSUER the issuer follows the port).
            "PORTAL_HOST": "127.0.0.1",
            "PORTAL_PORT": str(port),
            # One bench client sends thousands of requests a second: limits would measure 429s.
            "PORTAL_RATE_LIMIT_CLIENT_PER_MINUTE": "0",
            "PORTAL_RATE_LIMIT_SUBJECT_PER_MINUTE": "0",
            **settings,
            **(env or {}),
        }
        server = Served(f"http://127.0.0.1:{port}", environment)
        server.portal("migrate")
        if demo:
            server.portal("demo")
        if prepare is not None:
            prepare(server)
        command = pinned([sys.executable, "-m", "api.cli", "serve", "--port", str(port)], cpu)
        process = subprocess.Popen(command, env=environment, cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(server.url, process, "portal serve")
            yield replace(server, pid=process.pid)
        finally:
            process.terminate()
            process.wait(timeout=15)
