"""``portal clients list | rotate-secret | disable``, run as real processes against the
test's database (SQLite and PostgreSQL); the clients are then used over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import httpx

from api.oauth import grant_store
from api.oauth.store import create_client, create_public_client
from models.accounts import Account
from models.oauth import IssuedToken, OAuthClient, RefreshToken
from schema.ids import global_id
from tests.conftest import ISSUER
from tests.support.server import audited, clean_environ

REPO = Path(__file__).resolve().parents[2]
VIEWER = "{ viewer { clientId } }"


async def portal(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_environ(PORTAL_DATABASE_URL=database_url)
    command = [sys.executable, "-m", "api.cli", *args]
    # In a worker thread: the test's event loop keeps serving its own database connection.
    return await anyio.to_thread.run_sync(
        lambda: audited(subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60))
    )


async def _token(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))


async def _graphql_status(http: httpx.AsyncClient, token: str) -> int:
    response = await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def test_every_client_subcommand_has_help() -> None:
    for command in (["list"], ["rotate-secret"], ["disable"]):
        result = subprocess.run([sys.executable, "-m", "api.cli", "clients", *command, "--help"], cwd=REPO,
                                capture_output=True, text=True, timeout=60)
        assert "usage: portal clients" in result.stdout, command


async def test_list_prints_each_client_once_as_json_without_secrets_and_filters_by_account(
    database_url: str, client: httpx.AsyncClient, account: Account, other_account: Account
) -> None:
    erp_id, erp_secret = await create_client(account.id, "ERP", ["invoices:read"], created_by="portal-cli")
    reseller_id, _ = await create_client(other_account.id, "Reseller", ["billing:read", "invoices:read"])
    app = await create_public_client("Mobile app", ["https://app.example/cb"], ["billing:read"],
                                     development=True, issuer=ISSUER)
    assert (await _token(client, erp_id, erp_secret)).status_code == 200

    listed = await portal(database_url, "clients", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(text) for text in listed.stdout.splitlines()]
    assert [row["client_id"] for row in rows] == [erp_id, reseller_id, app.client_id]
    erp, reseller, public = rows
    assert set(erp) == {"client_id", "name", "account", "public", "scopes", "created_by", "created_at",
                        "last_used_at", "secret_rotated_at", "disabled_at"}
    assert erp["account"] == global_id("Account", account.id) and erp["public"] is False
    assert erp["scopes"] == ["invoices:read"] and erp["created_by"] == "portal-cli"
    assert datetime.fromisoformat(erp["last_used_at"]) > datetime.now(UTC) - timedelta(minutes=1)
    assert reseller["last_used_at"] is None and reseller["disabled_at"] is None
    assert public["public"] is True and public["account"] is None
    assert erp_secret not in listed.stdout and "scrypt" not in listed.stdout

    mine = await portal(database_url, "clients", "list", "--account", global_id("Account", other_account.id))
    assert [json.loads(text)["client_id"] for text in mine.stdout.splitlines()] == [reseller_id]
    unknown = await portal(database_url, "clients", "list", "--account", str(uuid.uuid4()))
    assert unknown.returncode == 1 and unknown.stdout == "" and "no account" in unknown.stderr


async def test_rotate_secret_prints_a_new_secret_once_and_the_old_one_stops_at_once(
    database_url: str, client: httpx.AsyncClient, account: Account
) -> None:
    client_id, old_secret = await create_client(account.id, "ERP", ["invoices:read"])
    old_token = (await _token(client, client_id, old_secret)).json()["access_token"]

    rotated = await portal(database_url, "clients", "rotate-secret", client_id)
    assert rotated.returncode == 0, rotated.stderr
    printed = json.loads(rotated.stdout)
    assert set(printed) == {"client_id", "client_secret"} and printed["client_id"] == client_id
    assert printed["client_secret"] != old_secret

    refused = await _token(client, client_id, old_secret)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert await _graphql_status(client, old_token) == 401, "tokens issued with the old secret are revoked"
    granted = await _token(client, client_id, printed["client_secret"])
    assert granted.status_code == 200
    assert await _graphql_status(client, granted.json()["access_token"]) == 200
    assert (await OAuthClient.get(client_id=client_id)).secret_rotated_at is not None


async def test_disable_refuses_the_clients_existing_token_at_once_and_revokes_it(
    database_url: str, client: httpx.AsyncClient, account: Account
) -> None:
    client_id, secret = await create_client(account.id, "ERP", ["invoices:read"])
    token = (await _token(client, client_id, secret)).json()["access_token"]
    assert await _graphql_status(client, token) == 200

    disabled = await portal(database_url, "clients", "disable", client_id)
    assert disabled.returncode == 0, disabled.stderr
    row = json.loads(disabled.stdout)
    assert row["client_id"] == client_id and row["disabled_at"] is not None
    assert await _graphql_status(client, token) == 401
    assert (await _token(client, client_id, secret)).status_code == 401

    # Revoked, not merely refused while disabled: a client re-enabled by hand gets no old token back.
    await OAuthClient.filter(client_id=client_id).update(disabled_at=None)
    introspected = await client.post("/oauth/introspect", data={"token": token}, auth=(client_id, secret))
    assert introspected.status_code == 200 and introspected.json() == {"active": False}
    assert await _graphql_status(client, token) == 401


async def test_disabling_a_public_client_revokes_its_refresh_tokens(
    database_url: str, client: httpx.AsyncClient, account: Account
) -> None:
    app = await create_public_client("Mobile app", ["https://app.example/cb"], ["billing:read"],
                                     development=True, issuer=ISSUER)
    family = uuid.uuid4()
    await grant_store.save_refresh_token("refresh-1", family, app.client_id, "owner", "billing:read", None, 600, 3600)
    now = datetime.now(UTC)
    await IssuedToken.create(jti=grant_store.jti_prefix(family) + "a", client_id=app.client_id, subject="owner",
                             scope="billing:read", issued_at=now, expires_at=now + timedelta(minutes=15))
    assert await grant_store.find_refresh_token("refresh-1", app.client_id) is not None

    disabled = await portal(database_url, "clients", "disable", app.client_id)
    assert disabled.returncode == 0, disabled.stderr
    assert await grant_store.find_refresh_token("refresh-1", app.client_id) is None
    assert await RefreshToken.filter(client_id=app.client_id, revoked_at=None).count() == 0
    assert await IssuedToken.filter(client_id=app.client_id, revoked_at=None).count() == 0
    no_secret = await portal(database_url, "clients", "rotate-secret", app.client_id)
    assert no_secret.returncode == 1 and "public client has no secret" in no_secret.stderr


async def test_an_unknown_client_is_a_clear_error_with_a_failing_status(database_url: str, account: Account) -> None:
    for command in ("rotate-secret", "disable"):
        result = await portal(database_url, "clients", command, "cli_does_not_exist")
        assert result.returncode == 1 and result.stdout == "", command
        assert "no client 'cli_does_not_exist'" in result.stderr, command
    assert await OAuthClient.all().count() == 0


async def test_list_of_no_clients_prints_nothing(database_url: str, account: Account) -> None:
    listed = await portal(database_url, "clients", "list")
    assert listed.returncode == 0 and listed.stdout == ""


