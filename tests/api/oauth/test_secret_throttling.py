"""Secrets cost attackers, not the server: client authentication at the OAuth endpoints
is throttled per client id and per address before anything is hashed, hashing runs in
a bounded pool, unknown and known client ids get the same answer, and a request
authenticates by one method only (RFC 6749 §2.3)."""

from __future__ import annotations

import asyncio
import types
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import limits.storage.memory
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import api.oauth.throttle
from api.app import create_app
from api.oauth.client_auth import MAX_CLIENT_ID_LENGTH, ClientAuthenticator, SecretVerifier
from api.oauth.store import create_client
from api.oauth.throttle import address_key
from api.services import Services
from api.settings import Settings, SettingsError
from tests.conftest import ISSUER

PER_CLIENT, PER_ADDRESS, WINDOW, POOL = 3, 5, 300, 2
ENDPOINTS = {
    "/oauth/token": {"grant_type": "client_credentials"},
    "/oauth/revoke": {"token": "x"},
    "/oauth/introspect": {"token": "x"},
}


@dataclass
class Portal:
    """The ASGI app built from its own settings, reached from any remote address."""

    services: Services
    app: Any
    stack: AsyncExitStack

    def __post_init__(self) -> None:
        self._clients: dict[str, httpx.AsyncClient] = {}

    @property
    def auth(self) -> ClientAuthenticator:
        return self.services.authorization_server.client_auth

    @property
    def verifier(self) -> SecretVerifier:
        return self.auth.verifier

    async def http(self, address: str) -> httpx.AsyncClient:
        if address not in self._clients:
            transport = httpx.ASGITransport(app=self.app, client=(address, 50_000))
            client = httpx.AsyncClient(transport=transport, base_url=ISSUER)
            self._clients[address] = await self.stack.enter_async_context(client)
        return self._clients[address]

    async def call(
        self, address: str, client_id: str, secret: str, *, endpoint: str = "/oauth/token", method: str = "basic"
    ) -> httpx.Response:
        http = await self.http(address)
        form = dict(ENDPOINTS[endpoint])
        if method == "basic":
            return await http.post(endpoint, data=form, auth=(client_id, secret))
        return await http.post(endpoint, data={**form, "client_id": client_id, "client_secret": secret})


@pytest_asyncio.fixture
async def make_portal(settings: Settings, signing_key: Any, db: Any) -> AsyncIterator[Callable[..., Portal]]:
    async with AsyncExitStack() as stack:

        def make(**overrides: Any) -> Portal:
            services = Services.build(settings.model_copy(update=overrides), signing_key)
            stack.push_async_callback(services.aclose)
            return Portal(services, create_app(services, manage_database=False), stack)

        yield make


@pytest.fixture
def portal(make_portal: Callable[..., Portal]) -> Portal:
    return make_portal(
        auth_failures_per_client=PER_CLIENT,
        auth_failures_per_address=PER_ADDRESS,
        auth_failure_window_seconds=WINDOW,
        secret_hash_concurrency=POOL,
    )


@pytest.fixture
def roomy_portal(make_portal: Callable[..., Portal]) -> Portal:
    """Budgets too large to matter: every attempt is hashed."""
    return make_portal(auth_failures_per_client=10_000, auth_failures_per_address=10_000, secret_hash_concurrency=POOL)


@pytest_asyncio.fixture
async def partner(account: Any) -> tuple[str, str]:
    return await create_client(account.id, "Accounting partner", ["invoices:read"])


@pytest_asyncio.fixture
async def other_partner(account: Any) -> tuple[str, str]:
    return await create_client(account.id, "Reseller", ["invoices:read"])


def assert_slow_down(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["retry-after"]) <= WINDOW
    assert response.json()["error"] == "slow_down"
    assert response.headers["cache-control"] == "no-store"


def assert_invalid_client(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == {"error": "invalid_client", "error_description": "Client authentication failed."}
    assert response.headers["www-authenticate"].startswith("Basic ")


async def test_past_the_client_budget_even_the_right_secret_gets_429_without_hashing(portal, partner):
    client_id, secret = partner
    for n in range(PER_CLIENT):  # each failure from another address: the client's budget is what runs out
        assert_invalid_client(await portal.call(f"198.51.100.{n}", client_id, "wrong"))
    assert portal.verifier.calls == PER_CLIENT

    assert_slow_down(await portal.call("198.51.100.200", client_id, "wrong"))
    assert_slow_down(await portal.call("198.51.100.201", client_id, secret))
    assert_slow_down(await portal.call("198.51.100.202", client_id, secret, method="post"))
    assert portal.verifier.calls == PER_CLIENT, "a throttled request must not hash anything"


async def test_another_client_from_another_address_is_not_affected(portal, partner, other_partner):
    for _ in range(PER_CLIENT):
        await portal.call("198.51.100.1", partner[0], "wrong")
    assert_slow_down(await portal.call("198.51.100.1", partner[0], partner[1]))

    response = await portal.call("203.0.113.9", *other_partner)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
async def test_every_endpoint_counts_failures_and_refuses_throttled_clients(portal, partner, endpoint):
    client_id, secret = partner
    for _ in range(PER_CLIENT):
        assert_invalid_client(await portal.call("198.51.100.1", client_id, "wrong", endpoint=endpoint))
    for other in ENDPOINTS:
        assert_slow_down(await portal.call("198.51.100.2", client_id, secret, endpoint=other))


async def test_the_address_budget_spans_client_ids(portal, partner):
    for n in range(PER_ADDRESS):
        assert_invalid_client(await portal.call("198.51.100.7", f"cli_guess{n}", "wrong"))
    assert_slow_down(await portal.call("198.51.100.7", "cli_guess_next", "wrong"))
    assert_slow_down(await portal.call("198.51.100.7", *partner))
    assert portal.verifier.calls == PER_ADDRESS

    response = await portal.call("198.51.100.8", *partner)
    assert response.status_code == 200, "the client's own budget was not touched"


async def test_an_ipv6_host_counts_as_its_64_block(portal, partner):
    for n in range(PER_ADDRESS):
        await portal.call(f"2001:db8:1:2::{n + 1:x}", f"cli_guess{n}", "wrong")
    assert_slow_down(await portal.call("2001:db8:1:2:ffff::1", *partner))
    assert (await portal.call("2001:db8:1:3::1", *partner)).status_code == 200
    assert address_key("::ffff:192.0.2.1") == address_key("192.0.2.1")


async def test_success_neither_consumes_nor_resets_the_budget(portal, partner):
    client_id, secret = partner
    for _ in range(PER_CLIENT - 1):
        await portal.call("198.51.100.1", client_id, "wrong")
    for _ in range(PER_CLIENT + 2):
        assert (await portal.call("198.51.100.1", client_id, secret)).status_code == 200
    assert_invalid_client(await portal.call("198.51.100.1", client_id, "wrong"))
    assert_slow_down(await portal.call("198.51.100.1", client_id, "wrong"))


async def test_the_budget_comes_back_when_the_window_has_passed(portal, partner, monkeypatch):
    now = [1_900_000_000.0]
    clock = types.SimpleNamespace(time=lambda: now[0])
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    monkeypatch.setattr(api.oauth.throttle, "time", clock)
    for _ in range(PER_CLIENT):
        await portal.call("198.51.100.1", partner[0], "wrong")
    now[0] += 100
    response = await portal.call("198.51.100.1", *partner)
    assert_slow_down(response)
    assert response.headers["retry-after"] == str(WINDOW - 100)

    now[0] += WINDOW
    assert (await portal.call("198.51.100.1", *partner)).status_code == 200


@pytest.mark.parametrize("method", ["basic", "post"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
async def test_unknown_and_known_client_ids_get_the_same_answer_for_the_same_cost(portal, partner, method, endpoint):
    known = await portal.call("198.51.100.1", partner[0], "wrong", method=method, endpoint=endpoint)
    assert portal.verifier.calls == 1
    unknown = await portal.call("198.51.100.2", "cli_" + "0" * 24, "wrong", method=method, endpoint=endpoint)
    assert portal.verifier.calls == 2, "an unknown client id costs one hash too"

    assert_invalid_client(known)
    assert (unknown.status_code, unknown.content) == (known.status_code, known.content)
    assert unknown.headers["www-authenticate"] == known.headers["www-authenticate"]


async def test_a_disabled_client_is_answered_like_an_unknown_one(portal, partner):
    from models.oauth import OAuthClient

    await OAuthClient.filter(client_id=partner[0]).update(disabled_at=datetime.now(UTC))
    assert_invalid_client(await portal.call("198.51.100.1", *partner))
    assert portal.verifier.calls == 1


@pytest.mark.parametrize("in_body", [("client_id",), ("client_secret",), ("client_id", "client_secret")])
async def test_basic_and_body_credentials_at_once_are_invalid_request(portal, partner, in_body):
    http = await portal.http("198.51.100.1")
    credentials = {"client_id": partner[0], "client_secret": partner[1]}
    body = {name: credentials[name] for name in in_body}
    response = await http.post("/oauth/token", data={"grant_type": "client_credentials", **body}, auth=partner)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert portal.verifier.calls == 0


async def test_a_repeated_credential_parameter_is_invalid_request(portal, partner):
    http = await portal.http("198.51.100.1")
    form = [("grant_type", "client_credentials"), ("client_id", partner[0]), ("client_id", "cli_other")]
    response = await http.post(
        "/oauth/token",
        content=urlencode([*form, ("client_secret", partner[1])]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_no_credentials_at_all_is_invalid_client(portal):
    http = await portal.http("198.51.100.1")
    assert_invalid_client(await http.post("/oauth/token", data={"grant_type": "client_credentials"}))


@pytest.mark.parametrize("method", ["basic", "post"])
@pytest.mark.parametrize(
    "client_id, secret",
    [
        ("c" * 10_000, "wrong"),
        ("c" * (MAX_CLIENT_ID_LENGTH + 1), "wrong"),
        ("cli_\x00abc", "wrong"),
        ("cli_\u202eabc", "wrong"),
        ("cli_abc", "s" * 100_000),
        ("cli_abc", "secret\nwith a newline"),
    ],
)
async def test_impossible_credentials_are_invalid_client_without_lookup_or_hash(portal, client_id, secret, method):
    looked_up: list[str] = []

    async def find_client(client_id: str) -> None:
        looked_up.append(client_id)

    portal.auth.find_client = find_client
    assert_invalid_client(await portal.call("198.51.100.1", client_id, secret, method=method))
    assert looked_up == [] and portal.verifier.calls == 0


async def test_impossible_credentials_count_against_the_address(portal, partner):
    for _ in range(PER_ADDRESS):
        await portal.call("198.51.100.1", "c" * 10_000, "wrong")
    assert_slow_down(await portal.call("198.51.100.1", *partner))


_IMPOSSIBLE_ID = st.one_of(
    st.text(min_size=MAX_CLIENT_ID_LENGTH + 1, max_size=5_000),
    st.builds(
        lambda head, bad, tail: head + bad + tail,
        st.text(max_size=20),
        st.characters(exclude_categories=["Cs"]).filter(lambda c: not 0x20 <= ord(c) <= 0x7E),
        st.text(max_size=20),
    ),
)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(client_id=_IMPOSSIBLE_ID)
async def test_any_client_id_no_client_can_have_is_refused_before_the_database(roomy_portal, client_id):
    async def find_client(client_id: str) -> None:
        raise AssertionError("looked up")

    roomy_portal.auth.find_client = find_client
    calls_before = roomy_portal.verifier.calls
    http = await roomy_portal.http("198.51.100.1")
    response = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "s"}
    )
    assert_invalid_client(response)
    assert roomy_portal.verifier.calls == calls_before


async def test_concurrent_hashes_never_exceed_the_pool(roomy_portal, partner):
    guesses = [
        roomy_portal.call(f"198.51.100.{n}", partner[0] if n % 2 else f"cli_unknown{n}", "wrong") for n in range(32)
    ]
    responses = await asyncio.gather(*guesses)
    assert {r.status_code for r in responses} == {401}
    assert roomy_portal.verifier.calls == 32
    assert 1 <= roomy_portal.verifier.peak <= POOL
    assert roomy_portal.verifier.running == 0


async def test_parallel_guesses_cost_no_more_hashes_than_the_budget(portal, partner):
    responses = await asyncio.gather(*(portal.call(f"198.51.100.{n}", partner[0], "wrong") for n in range(32)))
    assert sorted(r.status_code for r in responses) == [401] * PER_CLIENT + [429] * (32 - PER_CLIENT)
    assert portal.verifier.calls == PER_CLIENT
    assert portal.verifier.peak <= POOL


async def test_a_burst_of_right_secrets_waits_for_its_turn_instead_of_failing(portal, partner):
    responses = await asyncio.gather(*(portal.call("198.51.100.1", *partner) for _ in range(4 * PER_CLIENT)))
    assert [r.status_code for r in responses] == [200] * (4 * PER_CLIENT)
    assert portal.verifier.peak <= POOL


def test_throttle_settings_are_read_from_the_environment():
    settings = Settings.from_env(
        {
            "PORTAL_AUTH_FAILURES_PER_CLIENT": "4",
            "PORTAL_AUTH_FAILURES_PER_ADDRESS": "12",
            "PORTAL_AUTH_FAILURE_WINDOW_SECONDS": "60",
            "PORTAL_SECRET_HASH_CONCURRENCY": "3",
        }
    )
    assert (
        settings.auth_failures_per_client,
        settings.auth_failures_per_address,
        settings.auth_failure_window_seconds,
        settings.secret_hash_concurrency,
    ) == (4, 12, 60, 3)
    defaults = Settings.from_env({})
    assert (defaults.auth_failures_per_client, defaults.auth_failures_per_address) == (10, 30)
    assert (defaults.auth_failure_window_seconds, defaults.secret_hash_concurrency) == (300, 2)


@pytest.mark.parametrize(
    "variable, value",
    [
        ("PORTAL_AUTH_FAILURES_PER_CLIENT", "0"),
        ("PORTAL_AUTH_FAILURES_PER_ADDRESS", "many"),
        ("PORTAL_AUTH_FAILURE_WINDOW_SECONDS", "0"),
        ("PORTAL_SECRET_HASH_CONCURRENCY", "64"),
    ],
)
def test_bad_throttle_settings_stop_start_up_naming_the_variable(variable, value):
    with pytest.raises(SettingsError) as error:
        Settings.from_env({variable: value})
    assert error.value.variable == variable
