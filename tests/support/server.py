"""A real ``portal serve`` process on a free loopback port, for the tests that need the
service exactly as it is deployed (uvicorn, its headers, a client that is not httpx).

What every ``portal`` process started here writes is part of the suite's log audit
(``tests/support/log_audit.py``); a test that starts one itself hands its output to
``audited(result)`` or its log file to ``log_audit.collect(path, source)``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AnyStr

import httpx
import pytest

from tests.support import log_audit

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Served:
    url: str
    """``http://127.0.0.1:<port>``"""
    env: dict[str, str]
    """The environment the server runs with, for ``portal`` commands against the same database."""

    def portal(self, *args: str) -> str:
        """Run ``portal <args>`` with the server's environment; its standard output."""
        return portal(self.env, *args)


def clean_environ(**settings: str) -> dict[str, str]:
    """This process's environment without any ``PORTAL_`` variable and without a ``.env``
    file (``PORTAL_ENV_FILE`` is the null device), plus ``settings``: what a ``portal``
    subprocess of a test starts with, whatever the developer's shell or checkout holds."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
        "PORTAL_ENV_FILE": os.devnull,
        **settings,
    }


def portal_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any ``PORTAL_`` variable, plus a SQLite file,
    a signing key and a mail directory under ``tmp_path``, plus ``settings`` (its secrets
    registered with the log audit)."""
    env = clean_environ(**{
        "PORTAL_DATABASE_URL": f"sqlite://{tmp_path}/serve.sqlite3",
        "PORTAL_SIGNING_KEY_FILE": str(tmp_path / "key.json"),
        "PORTAL_MAIL_DIR": str(tmp_path / "mail"),
        **settings,
    })
    log_audit.secrets_of_env(env)
    return env


def portal(env: dict[str, str], *args: str) -> str:
    result = audited(subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    ))
    assert result.returncode == 0, f"portal {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
    return result.stdout


@contextmanager
def serving(tmp_path: Path, port: int | None = None, **settings: str) -> Iterator[Served]:
    """``portal serve`` with ``portal_env(tmp_path, **settings)``, stopped (SIGTERM, then
    SIGKILL after 15 s) on exit. Migrate or seed first with ``portal(env, ...)`` if needed.
    ``port`` (default: a free one) lets a caller know the URL beforehand, e.g. to make the
    server its own issuer: ``port = free_port()``, ``PORTAL_ISSUER=f"http://127.0.0.1:{port}"``."""
    port = port or free_port()
    # PORTAL_HOST/PORT too: `served.portal("token")` then mints with the issuer the server
    # derives from its address when PORTAL_ISSUER is unset.
    defaults = {"PORTAL_HOST": "127.0.0.1", "PORTAL_PORT": str(port), "PORTAL_SHUTDOWN_DRAIN_SECONDS": "0"}
    env = portal_env(tmp_path, **{**defaults, **settings})
    log_path = tmp_path / "serve.log"
    process = spawn_serve(env, port, log_path)
    try:
        served = Served(f"http://127.0.0.1:{port}", env)
        _wait_for(f"{served.url}/healthz", process, log_path)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def spawn_serve(env: dict[str, str], port: int, log_path: Path, *options: str) -> subprocess.Popen[bytes]:
    """Start ``portal serve --host 127.0.0.1 --port <port> <options>`` with ``env``, its output
    to ``log_path`` (audited); the caller stops it (``wait_serving`` waits until it answers)."""
    log_audit.collect(log_path, "portal serve")
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *options],
            env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        )


def audited(result: subprocess.CompletedProcess[AnyStr]) -> subprocess.CompletedProcess[AnyStr]:
    """``result`` of a ``portal`` command run with ``capture_output``: its stderr (its log) goes
    to the log audit, and the credentials it printed are registered as secrets."""
    log_audit.collect_output(result.stderr, " ".join(map(str, result.args[3:5])) or "portal")
    if isinstance(result.stdout, str):
        log_audit.harvest(result.stdout)
    return result


def wait_serving(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    """Wait until ``GET url`` answers (any status); fail with the log if the process exits."""
    _wait_for(url, process, log, timeout)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"portal serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            httpx.get(url, timeout=2.0)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"portal serve did not answer within {timeout} s:\n{log.read_text()}")
