"""``portal serve`` in its own process, on a throw-away SQLite database, for benchmarks that
must see the server as clients do: over TCP, with its own event loop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Served:
    url: str
    env: dict[str, str]

    def portal(self, *args: str) -> str:
        """``portal <args>`` against the served database; its standard output."""
        result = subprocess.run([sys.executable, "-m", "api.cli", *args], env=self.env, cwd=REPO,
                                capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise RuntimeError(f"portal {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout


@contextmanager
def served(**settings: str) -> Iterator[Served]:
    """Migrated, with the demo data, serving on a free loopback port; stopped on exit."""
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
            "PORTAL_DATABASE_URL": f"sqlite://{tmp}/bench.sqlite3",
            "PORTAL_SIGNING_KEY_FILE": f"{tmp}/key.json",
            "PORTAL_MAIL_DIR": f"{tmp}/mail",
            "PORTAL_LOG_LEVEL": "WARNING",
            **settings,
        }
        server = Served(f"http://127.0.0.1:{port}", env)
        server.portal("migrate")
        server.portal("demo")
        process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)], env=env, cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{server.url}/healthz", timeout=2)
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("portal serve did not start") from None
                    time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=15)
