"""Fixtures shared by the whole suite.

Everything is real: the ORM talks to SQLite and, when it answers, PostgreSQL
(each test runs on both, via the ``backend`` parameter); HTTP requests go to the
ASGI app through httpx; tokens are signed JWTs from the embedded issuer; mail goes
to an aiosmtpd server on a loopback port.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

from api.app import create_app
from api.oauth.keys import SigningKey, generate_signing_key
from api.oauth.tokens import mint_access_token
from api.services import Services
from api.settings import Settings
from billing.accounts import add_member, create_account
from models.accounts import Account, Role
from models.config import tortoise_config
from tests.support.postgres import PostgresDatabase, postgres_available
from tests.support.smtp import SmtpSink

ISSUER = "https://portal.test"
AUDIENCE = "billing-portal"
POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
_PG_OK, _PG_REASON = postgres_available(POSTGRES_URL)
BACKENDS = ["sqlite", "postgres"]
pytest_plugins = ["tests.support.log_audit"]  # no secret in any log of the session (docs/operations.md#logs)


def pytest_report_header(config: pytest.Config) -> list[str]:
    if _PG_OK:
        return ["database backends: sqlite, postgres (" + POSTGRES_URL.rsplit("@", 1)[-1] + ")"]
    return [f"database backends: sqlite ONLY. PostgreSQL is NOT reachable ({_PG_REASON}): its tests are skipped"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    ran = "sqlite and postgres" if _PG_OK else "sqlite only"
    terminalreporter.write_sep("=", f"database backends run: {ran}")
    if not _PG_OK:
        terminalreporter.write_line(
            f"WARNING: PostgreSQL at {POSTGRES_URL} was not reachable ({_PG_REASON}); "
            "every PostgreSQL variant was SKIPPED.",
            red=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase | None]:
    """One throw-away PostgreSQL database for the session, schema created once."""
    if not _PG_OK:
        yield None
        return
    database = PostgresDatabase(POSTGRES_URL, f"portal_test_{os.getpid()}_{uuid.uuid4().hex[:6]}")
    asyncio.run(database.create())
    try:
        yield database
    finally:
        asyncio.run(database.drop())


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not _PG_OK:
        pytest.skip(f"PostgreSQL not reachable: {_PG_REASON}")
    return request.param


@pytest.fixture
def database_url(backend: str, postgres_database: PostgresDatabase | None, tmp_path: Any) -> str:
    if backend == "postgres":
        assert postgres_database is not None
        return postgres_database.url
    return f"sqlite://{tmp_path}/portal.sqlite3"


@pytest_asyncio.fixture
async def db(backend: str, database_url: str, postgres_database: PostgresDatabase | None) -> AsyncIterator[TortoiseContext]:
    """An ORM context on a clean database, visible to every task of the test."""
    # Tortoise caches each model's INSERT statement per connection *name*, and
    # both backends use "default": drop the cache so a SQLite statement (with ?
    # placeholders) is never sent to PostgreSQL after the backend switches.
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url), _enable_global_fallback=True)
        if backend == "postgres":
            assert postgres_database is not None
            await postgres_database.truncate_all(ctx)
        else:
            await ctx.generate_schemas()
        yield ctx


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return generate_signing_key()


@pytest.fixture
def settings(tmp_path: Any, database_url: str) -> Settings:
    return Settings(
        env="development",
        database_url=database_url,
        issuer=ISSUER,
        audience=AUDIENCE,
        signing_key_file=tmp_path / "signing-key.json",
        mail_dir=tmp_path / "mail",
        # Every request still goes through the rate limiter (and carries its headers), but a
        # test may send thousands as one caller; tests/api/test_rate_limits.py sets small budgets.
        rate_limit_client_burst=100_000,
        rate_limit_subject_burst=100_000,
    )


@pytest.fixture
def services(settings: Settings, signing_key: SigningKey) -> Services:
    return Services.build(settings, signing_key)


@pytest_asyncio.fixture
async def client(services: Services, db: TortoiseContext) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the ASGI app."""
    app = create_app(services, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        yield http
    await services.aclose()


TokenFactory = Callable[..., Awaitable[str]]


@pytest.fixture
def token_for(services: Services, db: TortoiseContext) -> TokenFactory:
    """Mint a real access token: ``await token_for("alice", "billing:read")``."""

    async def mint(subject: str, scopes: str) -> str:
        return await mint_access_token(services.authorization_server, subject, scopes.split())

    return mint


@pytest_asyncio.fixture
async def account(db: TortoiseContext) -> Account:
    """An account owned by ``owner``, with ``billing`` (BILLING_ADMIN) and ``viewer`` (VIEWER)."""
    account = await create_account("Acme IoT K.K.", "owner")
    await add_member(account.id, "billing", Role.BILLING_ADMIN)
    await add_member(account.id, "viewer", Role.VIEWER)
    return account


@pytest_asyncio.fixture
async def other_account(db: TortoiseContext) -> Account:
    """A second, unrelated account owned by ``intruder``."""
    return await create_account("Other Corp", "intruder")


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, query: str, token: str | None, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        all_headers = {k.replace("_", "-"): v for k, v in headers.items()}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers)

    async def __call__(self, query: str, token: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
        """POST a query and return the JSON body without its cost report (``without_cost``);
        the HTTP status must be 200."""
        response = await self.post(query, token, variables, **headers)
        assert response.status_code == 200, response.text
        return without_cost(response.json())


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without the ``extensions.cost`` every operation that ran reports (docs/limits.md),
    for comparing whole bodies; ``extensions`` goes too when nothing else is in it. The report
    itself is checked by tests/schema/test_query_cost.py and tests/api/test_rate_limits.py."""
    extensions = {k: v for k, v in (body.get("extensions") or {}).items() if k != "cost"}
    rest = {k: v for k, v in body.items() if k != "extensions"}
    return {**rest, "extensions": extensions} if extensions else rest


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


@pytest_asyncio.fixture
async def smtp_sink() -> AsyncIterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on a free loopback port, recording what it receives."""
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()
