"""A database that refuses, hangs or times out answers 503 with a JSON body, the request
id and ``Retry-After``: never a bare 500, never a hang (issue 10).

No timers: timeouts are tiny settings, and ``asyncio.timeout`` bounds each test only
as a safety net against the hang the code must prevent.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise import connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext
from tortoise.exceptions import OperationalError

from api.app import create_app
from api.oauth.keys import SigningKey
from api.services import Services
from api.settings import Settings, SettingsError
from models.config import tortoise_config
from models.database import is_database_unavailable
from tests.conftest import AUDIENCE, ISSUER
from tests.support import forge
from tests.support.postgres import PostgresDatabase, _asyncpg_dsn

SAFETY_NET_SECONDS = 30
TINY = 0.3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accept, read whatever comes, never answer; end when the client hangs up."""
    await reader.read()
    writer.close()


def _settings(tmp_path: Any, database_url: str) -> Settings:
    return Settings(
        env="development",
        database_url=database_url,
        issuer=ISSUER,
        audience=AUDIENCE,
        signing_key_file=tmp_path / "signing-key.json",
        mail_dir=tmp_path / "mail",
        db_connect_timeout_seconds=TINY,
        db_statement_timeout_seconds=TINY,
    )


async def _served(
    settings: Settings, signing_key: SigningKey, services: Services | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on ``settings``, its ORM opened by its own lifespan (as in production)."""
    EXECUTOR_CACHE.clear()
    services = services or Services.build(settings, signing_key)
    app = create_app(services, manage_database=True)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
            yield http


@pytest.fixture
async def down(tmp_path, signing_key) -> AsyncIterator[httpx.AsyncClient]:
    """PostgreSQL on a loopback port where nothing listens: connections are refused."""
    settings = _settings(tmp_path, f"postgres://postgres@127.0.0.1:{free_port()}/portal")
    async for http in _served(settings, signing_key):
        yield http


@pytest.fixture
async def hanging(tmp_path, signing_key) -> AsyncIterator[httpx.AsyncClient]:
    """PostgreSQL on a port that accepts connections and never answers."""
    server = await asyncio.start_server(_silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = _settings(tmp_path, f"postgres://postgres@127.0.0.1:{port}/portal")
    try:
        async for http in _served(settings, signing_key):
            yield http
    finally:
        server.close()


def _own_token(signing_key: SigningKey, **claims: Any) -> str:
    return forge.sign(signing_key, forge.claims(ISSUER, AUDIENCE, **claims))


async def _graphql(http: httpx.AsyncClient, token: str, query: str = "{ viewer { subject } }") -> httpx.Response:
    async with asyncio.timeout(SAFETY_NET_SECONDS):
        return await http.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-503"}
        )


async def _token_request(http: httpx.AsyncClient) -> httpx.Response:
    async with asyncio.timeout(SAFETY_NET_SECONDS):
        return await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "invoices:read"},
            auth=("some-client", "some-secret"),
            headers={"X-Request-ID": "req-503"},
        )


def assert_graphql_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["x-request-id"] == "req-503"
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff", "the security headers wrap the 503"
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "requestId": "req-503"}
    assert "temporarily unavailable" in error["message"] and "req-503" in error["message"]


def assert_oauth_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["x-request-id"] == "req-503"
    assert response.headers["retry-after"] == "5"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == "temporarily_unavailable"
    assert body["request_id"] == "req-503"
    assert "temporarily unavailable" in body["error_description"]


async def test_database_down_graphql_answers_503(down, signing_key):
    # twice: the first attempt is refused, the second fails fast without a new attempt
    for _ in range(2):
        assert_graphql_503(await _graphql(down, _own_token(signing_key)))


async def test_database_down_token_endpoint_answers_503(down):
    for _ in range(2):
        assert_oauth_503(await _token_request(down))


async def test_database_down_healthz_is_alive_and_readyz_is_not(down):
    async with asyncio.timeout(SAFETY_NET_SECONDS):
        assert (await down.get("/healthz")).status_code == 200
        ready = await down.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"


async def test_database_down_in_a_resolver_is_not_masked_as_internal(tmp_path, signing_key):
    """Authentication passes without the database (a staff token, the revocation check
    stubbed); the resolver's query then fails."""

    async def never_revoked(jti: str) -> bool:
        return False

    settings = _settings(tmp_path, f"postgres://postgres@127.0.0.1:{free_port()}/portal")
    services = Services.build(settings, signing_key)
    services.validator._is_revoked = never_revoked  # type: ignore[method-assign]
    async for http in _served(settings, signing_key, services):
        response = await _graphql(
            http, _own_token(signing_key, scope="admin"), "{ invoices(first: 1) { edges { node { number } } } }"
        )
    assert_graphql_503(response)
    assert response.json()["data"] is None


async def test_database_hanging_graphql_answers_503_not_a_hang(hanging, signing_key):
    assert_graphql_503(await _graphql(hanging, _own_token(signing_key)))


async def test_database_hanging_token_endpoint_answers_503(hanging):
    assert_oauth_503(await _token_request(hanging))


async def test_database_hanging_concurrent_requests_all_answer_503(hanging, signing_key):
    async with asyncio.timeout(SAFETY_NET_SECONDS):
        responses = await asyncio.gather(*(_graphql(hanging, _own_token(signing_key)) for _ in range(5)))
    for response in responses:
        assert_graphql_503(response)


@pytest.fixture
async def postgres_with_timeouts(backend, postgres_database: PostgresDatabase | None, tmp_path, signing_key):
    if backend == "sqlite":
        pytest.skip("SQLite has no statement timeout: busy_timeout only bounds waiting for a lock")
    assert postgres_database is not None
    settings = _settings(tmp_path, postgres_database.url)
    async for http in _served(settings, signing_key):
        yield http, postgres_database


async def test_statement_timeout_answers_503(postgres_with_timeouts, signing_key):
    """The revocation check waits on a table another session holds locked; the
    statement timeout ends the wait and the request answers 503."""
    http, database = postgres_with_timeouts
    token = _own_token(signing_key)
    locker = await asyncpg.connect(_asyncpg_dsn(database.url))
    try:
        async with locker.transaction():
            await locker.execute("LOCK TABLE issued_tokens IN ACCESS EXCLUSIVE MODE")
            response = await _graphql(http, token)
    finally:
        await locker.close()
    assert_graphql_503(response)
    after = await _graphql(http, token)
    assert after.status_code == 401, "with the lock gone the same request is answered again (a forged token)"


async def test_statement_timeout_of_a_slow_query_is_recognised(postgres_with_timeouts):
    async with asyncio.timeout(SAFETY_NET_SECONDS):
        with pytest.raises(Exception) as raised:
            await connections.get("default").execute_query("SELECT pg_sleep(5)")
    assert isinstance(raised.value, TimeoutError)
    assert is_database_unavailable(raised.value)


@pytest.fixture
async def postgres_pool_of_one(backend, postgres_database: PostgresDatabase | None, tmp_path, signing_key):
    if backend == "sqlite":
        pytest.skip("SQLite has one shared connection, no pool to exhaust")
    assert postgres_database is not None
    settings = _settings(tmp_path, f"{postgres_database.url}?maxsize=1")
    async for http in _served(settings, signing_key):
        yield http


async def test_exhausted_pool_answers_503(postgres_pool_of_one, signing_key):
    """Every pooled connection is busy: the request waits at most the connect timeout."""
    async with connections.get("default").acquire_connection():  # the pool's one connection
        response = await _graphql(postgres_pool_of_one, _own_token(signing_key))
    assert_graphql_503(response)
    assert (await _graphql(postgres_pool_of_one, _own_token(signing_key))).status_code == 401, "answered once freed"


async def test_sqlite_lock_beyond_busy_timeout_is_recognised(tmp_path):
    url = f"sqlite://{tmp_path}/locked.sqlite3"
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url, connect_timeout=TINY, statement_timeout=0.05))
        await ctx.db().execute_script("CREATE TABLE probe (x INTEGER)")
        other = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            async with asyncio.timeout(SAFETY_NET_SECONDS):
                with pytest.raises((OperationalError, sqlite3.OperationalError)) as raised:
                    await ctx.db().execute_query("INSERT INTO probe (x) VALUES (1)")
        finally:
            other.close()
    assert "locked" in str(raised.value)
    assert is_database_unavailable(raised.value)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("syntax error at or near SELEC"),
        OperationalError("no such table: members"),
        TimeoutError("a request's own time budget"),
        ConnectionRefusedError("not raised by a database driver"),
        ValueError("bug"),
    ],
)
def test_other_failures_are_not_database_unavailability(error):
    assert not is_database_unavailable(error)


def test_a_wrapped_database_failure_is_recognised():
    try:
        try:
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        except Exception as cause:
            raise RuntimeError("use case failed") from cause
    except RuntimeError as wrapped:
        assert is_database_unavailable(wrapped)


def test_postgres_gets_connect_statement_and_pool_timeouts():
    config = tortoise_config("postgres://u:p@db:5432/portal", connect_timeout=2.5, statement_timeout=7)
    connection = config["connections"]["default"]
    assert connection["engine"] == "models.database"
    credentials = connection["credentials"]
    assert (credentials["host"], credentials["database"], credentials["maxsize"]) == ("db", "portal", "20")
    assert (credentials["timeout"], credentials["acquire_timeout"], credentials["command_timeout"]) == (2.5, 2.5, 7)


def test_timeouts_in_the_url_win():
    config = tortoise_config(
        "postgres://u@db/portal?timeout=9&command_timeout=30&maxsize=4", connect_timeout=2, statement_timeout=7
    )
    credentials = config["connections"]["default"]["credentials"]
    assert (credentials["timeout"], credentials["acquire_timeout"], credentials["command_timeout"]) == (9, 9, "30")
    assert credentials["maxsize"] == "4"


def test_without_timeouts_the_urls_are_as_before():
    assert tortoise_config("postgres://u@db/portal")["connections"]["default"] == "postgres://u@db/portal?maxsize=20"
    assert tortoise_config("sqlite://x.db")["connections"]["default"] == "sqlite://x.db?busy_timeout=5000"


def test_sqlite_waits_for_a_lock_as_long_as_the_statement_timeout():
    assert (
        tortoise_config("sqlite://x.db", statement_timeout=2.5)["connections"]["default"]
        == "sqlite://x.db?busy_timeout=2500"
    )
    assert (
        tortoise_config("sqlite://x.db?busy_timeout=1", statement_timeout=2)["connections"]["default"]
        == "sqlite://x.db?busy_timeout=1"
    )


def test_timeout_settings_are_read_and_checked():
    settings = Settings.from_env(
        {
            "PORTAL_DB_CONNECT_TIMEOUT_SECONDS": "1.5",
            "PORTAL_DB_STATEMENT_TIMEOUT_SECONDS": "20",
            "PORTAL_JWKS_TIMEOUT_SECONDS": "0.5",
        }
    )
    assert (
        settings.db_connect_timeout_seconds,
        settings.db_statement_timeout_seconds,
        settings.jwks_timeout_seconds,
    ) == (
        1.5,
        20,
        0.5,
    )
    defaults = Settings.from_env({})
    assert (
        defaults.db_connect_timeout_seconds,
        defaults.db_statement_timeout_seconds,
        defaults.jwks_timeout_seconds,
    ) == (
        5,
        10,
        3,
    )
    for value in ("0", "nan", "soon", "-1"):
        with pytest.raises(SettingsError, match="PORTAL_DB_STATEMENT_TIMEOUT_SECONDS"):
            Settings.from_env({"PORTAL_DB_STATEMENT_TIMEOUT_SECONDS": value})
