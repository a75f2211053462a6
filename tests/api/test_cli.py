"""The ``portal`` command, run as a real process against a fresh SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

from api.app import create_app
from api.services import Services
from api.settings import Settings
from models.config import tortoise_config
from schema.ids import global_id, parse_account_id

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
        "PORTAL_DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3",
        "PORTAL_SIGNING_KEY_FILE": str(tmp_path / "key.json"),
        "PORTAL_ISSUER": "https://portal.test",
    }


def portal(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def test_every_subcommand_has_help(env):
    for command in (["migrate"], ["serve"], ["demo"], ["accounts", "create"], ["members", "add"],
                    ["clients", "create"], ["token"], ["schema"]):
        assert "usage: portal" in portal(env, *command, "--help").stdout


async def test_operator_sets_up_an_account_and_its_token_reads_viewer(env):
    portal(env, "migrate")
    account_id = portal(env, "accounts", "create", "--name", "Acme", "--owner", "alice").stdout.strip()
    assert account_id == global_id("Account", parse_account_id(account_id)), "the global id alone on stdout"
    portal(env, "members", "add", "--account", account_id, "--subject", "bob", "--role", "VIEWER")
    client = json.loads(portal(env, "clients", "create", "--account", account_id, "--name", "ERP", "--scope", "invoices:read").stdout)
    assert set(client) == {"client_id", "client_secret"}
    token = portal(env, "token", "--subject", "bob", "--scope", "billing:read").stdout.strip()
    assert token.count(".") == 2 and "\n" not in token

    settings = Settings.from_env(env)
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)
        app = create_app(Services.build(settings), manage_database=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.issuer) as http:
            body = (await http.post("/graphql", json={"query": "{ viewer { subject role account { id name } } }"},
                                    headers={"Authorization": f"Bearer {token}"})).json()
            granted = await http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                      auth=(client["client_id"], client["client_secret"]))
    assert body["data"]["viewer"] == {"subject": "bob", "role": "VIEWER", "account": {"id": account_id, "name": "Acme"}}
    assert granted.status_code == 200


def test_token_for_a_stranger_is_refused(env):
    portal(env, "migrate")
    result = portal(env, "token", "--subject", "nobody", "--scope", "billing:read", ok=False)
    assert result.returncode == 1 and result.stdout == ""
    assert "not a member" in result.stderr


def test_bad_setting_stops_the_command_naming_the_variable(env):
    result = portal({**env, "PORTAL_TOKEN_TTL_SECONDS": "forever"}, "migrate", ok=False)
    assert result.returncode == 2
    assert "PORTAL_TOKEN_TTL_SECONDS" in result.stderr


def test_demo_is_idempotent(env):
    portal(env, "migrate")
    first = portal(env, "demo").stdout
    second = portal(env, "demo").stdout
    assert "created" in first and "client_secret=" in first
    assert "already there" in second and "client_secret=" not in second
