"""In development the issuer follows the address ``portal serve`` listens on, so the metadata
sends clients to endpoints that answer; production names its issuer explicitly."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from api.settings import Settings, SettingsError
from tests.support.documents import PRODUCTION_ENV
from tests.support.server import free_port, portal, portal_env, spawn_serve, wait_serving


@pytest.mark.parametrize(
    ("environ", "issuer"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORTAL_PORT": "9300"}, "http://127.0.0.1:9300"),
        ({"PORTAL_HOST": "localhost", "PORTAL_PORT": "9300"}, "http://localhost:9300"),
        ({"PORTAL_HOST": "0.0.0.0", "PORTAL_PORT": "9300"}, "http://127.0.0.1:9300"),
        ({"PORTAL_HOST": "::1", "PORTAL_PORT": "9300"}, "http://[::1]:9300"),
        ({"PORTAL_HOST": "::", "PORTAL_PORT": "9300"}, "http://[::1]:9300"),
        ({"PORTAL_PORT": "9300", "PORTAL_ISSUER": "https://portal.example.com/"}, "https://portal.example.com"),
    ],
)
def test_the_development_issuer_is_the_address_served_unless_set(environ, issuer):
    settings = Settings.from_env(environ)
    assert settings.issuer == issuer
    assert settings.console == f"{issuer}/console/"


def test_the_command_line_address_moves_the_issuer_but_never_a_set_one():
    assert Settings.from_env({}).listening_on("127.0.0.1", 9300).issuer == "http://127.0.0.1:9300"
    moved = Settings.from_env({"PORTAL_PORT": "9400"}).listening_on("localhost", 9300)
    assert (moved.host, moved.port, moved.issuer) == ("localhost", 9300, "http://localhost:9300")
    fixed = Settings.from_env({"PORTAL_ISSUER": "http://portal.test"}).listening_on("127.0.0.1", 9300)
    assert (fixed.port, fixed.issuer) == (9300, "http://portal.test")


def test_production_still_requires_the_issuer_to_be_set():
    environ = {k: v for k, v in PRODUCTION_ENV.items() if k != "PORTAL_ISSUER"}
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({**environ, "PORTAL_PORT": "9300"})
    assert raised.value.variable == "PORTAL_ISSUER" and "must be set in production" in str(raised.value)
    assert Settings.from_env(PRODUCTION_ENV).listening_on("0.0.0.0", 9300).issuer == PRODUCTION_ENV["PORTAL_ISSUER"]


def test_a_server_on_another_port_advertises_endpoints_that_answer(tmp_path: Path):
    port = free_port()
    env = portal_env(tmp_path, PORTAL_SHUTDOWN_DRAIN_SECONDS="0")  # no PORTAL_ISSUER, no PORTAL_PORT: --port only
    portal(env, "migrate")
    account = portal(env, "accounts", "create", "--name", "Acme IoT K.K.", "--owner", "alice").strip()
    client = json.loads(portal(env, "clients", "create", "--account", account, "--name", "ERP", "--scope", "invoices:read"))
    log = tmp_path / "serve.log"
    process = spawn_serve(env, port, log)
    try:
        wait_serving(f"http://127.0.0.1:{port}/healthz", process, log)
        metadata = httpx.get(f"http://127.0.0.1:{port}/.well-known/oauth-authorization-server", timeout=30).json()
        keys = httpx.get(metadata["jwks_uri"], timeout=30)
        granted = httpx.post(
            metadata["token_endpoint"], data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]), timeout=30,
        )
        token = granted.json()["access_token"]
        viewer = httpx.post(
            f"{metadata['issuer']}/graphql", json={"query": "{ viewer { clientId } }"},
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    issuer = f"http://127.0.0.1:{port}"
    assert metadata["issuer"] == issuer
    assert all(metadata[name].startswith(f"{issuer}/") for name in ("token_endpoint", "jwks_uri"))
    assert keys.status_code == 200 and keys.json()["keys"]
    assert granted.status_code == 200, granted.text
    assert claims(token)["iss"] == issuer
    assert viewer.status_code == 200 and viewer.json()["data"]["viewer"]["clientId"] == client["client_id"]
    assert process.returncode == 0, log.read_text()


def claims(token: str) -> dict[str, object]:
    """The claims of a JWT, unverified (the server that issued it verified it above)."""
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
