"""The ``portal`` command, run as a real process against a fresh SQLite file."""

from __future__ import annotations

import json
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
from tests.support.documents import PRODUCTION_ENV
from tests.support.server import audited, clean_environ

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_environ(
        PORTAL_DATABASE_URL=f"sqlite://{tmp_path}/cli.sqlite3",
        PORTAL_SIGNING_KEY_FILE=str(tmp_path / "key.json"),
        PORTAL_ISSUER="https://portal.test",
    )


def portal(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = audited(subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    ))
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


def portal_with_input(env: dict[str, str], stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return audited(subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60,
        input=stdin,
    ))


def test_users_create_takes_the_password_from_the_option_and_never_prints_it(env):
    portal(env, "migrate")
    result = portal(env, "users", "create", "--subject", "alice", "--email", "alice@acme.example",
                    "--password", "a long enough password")
    user = json.loads(result.stdout)
    assert user["subject"] == "alice" and user["email"] == "alice@acme.example"
    assert "a long enough password" not in result.stdout + result.stderr
    again = portal(env, "users", "create", "--subject", "alice", "--email", "alice@acme.example",
                   "--password", "a long enough password", ok=False)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_users_create_reads_the_password_from_standard_input(env):
    portal(env, "migrate")
    result = portal_with_input(env, "piped password 123\n", "users", "create", "--subject", "bob", "--email", "bob@acme.example")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["subject"] == "bob"


def test_users_create_refuses_a_short_password(env):
    portal(env, "migrate")
    result = portal(env, "users", "create", "--subject", "carol", "--email", "carol@acme.example",
                    "--password", "short", ok=False)
    assert result.returncode == 1 and "at least 12 characters" in result.stderr and result.stdout == ""


def test_clients_create_public_registers_its_redirect_uris(env):
    portal(env, "migrate")
    result = portal(env, "clients", "create", "--public", "--name", "Mobile app",
                    "--redirect-uri", "com.example.app:/callback", "--redirect-uri", "http://127.0.0.1:7000/cb",
                    "--redirect-uri", "https://app.example/cb", "--scope", "billing:read")
    client = json.loads(result.stdout)
    assert client["client_type"] == "public" and "client_secret" not in client
    assert client["redirect_uris"] == ["com.example.app:/callback", "http://127.0.0.1:7000/cb", "https://app.example/cb"]
    assert client["scope"] == "billing:read" and client["token_endpoint_auth_method"] == "none"


@pytest.mark.parametrize(
    "uri",
    ["http://app.example/cb", "https://app.example/cb#frag", "myapp:/cb", "com.example.app://host/cb",
     "javascript:alert(1)", "https://user@app.example/cb"],
)
def test_clients_create_public_refuses_unsafe_redirect_uris(env, uri):
    portal(env, "migrate")
    result = portal(env, "clients", "create", "--public", "--name", "App", "--redirect-uri", uri, ok=False)
    assert result.returncode == 1 and result.stdout == "" and uri in result.stderr


def test_localhost_redirect_uris_are_for_development_only(env):
    portal(env, "migrate")
    development = portal(env, "clients", "create", "--public", "--name", "Dev", "--redirect-uri", "http://localhost:3000/cb")
    assert json.loads(development.stdout)["redirect_uris"] == ["http://localhost:3000/cb"]
    production = {**env, **PRODUCTION_ENV, "PORTAL_ISSUER": env["PORTAL_ISSUER"]}
    refused = portal(production, "clients", "create", "--public", "--name", "Dev",
                     "--redirect-uri", "http://localhost:3000/cb", ok=False)
    assert refused.returncode == 1 and "development only" in refused.stderr


def test_clients_create_public_refuses_the_admin_scope_and_an_account(env):
    portal(env, "migrate")
    admin = portal(env, "clients", "create", "--public", "--name", "App", "--redirect-uri", "https://a.example/cb",
                   "--scope", "admin", ok=False)
    assert admin.returncode == 1 and "admin" in admin.stderr


def test_settings_shows_each_value_in_effect_and_where_it_came_from_never_a_secret(env, tmp_path):
    secret = "a-session-secret-of-more-than-32-characters"
    env_file = tmp_path / "portal.env"
    env_file.write_text(f"PORTAL_TOKEN_TTL_SECONDS=600\nPORTAL_SESSION_SECRET={secret}\nPORTAL_AUDIENCE=file\n")
    env = {**env, "PORTAL_ENV_FILE": str(env_file), "PORTAL_AUDIENCE": "environment",
           "PORTAL_SMTP_URL": "smtp+starttls://mailer:smtp-password@mail.test:587"}
    printed = portal(env, "settings").stdout
    shown = {row["variable"]: row for row in map(json.loads, printed.splitlines())}
    assert set(shown) == set(Settings.variables().values())
    assert shown["PORTAL_TOKEN_TTL_SECONDS"] == {
        "variable": "PORTAL_TOKEN_TTL_SECONDS", "value": 600, "from": f"file {env_file}"}
    assert (shown["PORTAL_AUDIENCE"]["value"], shown["PORTAL_AUDIENCE"]["from"]) == ("environment", "environment")
    assert (shown["PORTAL_PORT"]["value"], shown["PORTAL_PORT"]["from"]) == (8000, "default")
    assert shown["PORTAL_SESSION_SECRET"]["value"] == "[hidden]"
    assert shown["PORTAL_SMTP_URL"]["value"] == "smtp+starttls://mailer:[hidden]@mail.test:587"
    assert secret not in printed and "smtp-password" not in printed

    refused = portal({**env, "PORTAL_PORT": "70000"}, "settings", ok=False)
    assert refused.returncode == 2
    assert "PORTAL_PORT: must be between 1 and 65535, not 70000" in refused.stderr
