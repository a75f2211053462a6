"""Rate limits on ``/graphql`` (docs/limits.md): a token bucket per partner client and per
person, in memory or shared through Redis by several server processes; a spent bucket
answers 429 with ``Retry-After``; every answer carries the ``RateLimit-*`` headers.

The clock of the memory and Redis buckets is injected (``ManualClock``): refills are
seen by moving it, never by sleeping. Redis runs on 127.0.0.1:6379 (``PORTAL_TEST_REDIS_URL``);
each test uses a key prefix of its own and deletes its keys."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from api.app import create_app
from api.oauth.store import create_client
from api.rate_limits import MemoryBuckets, Rate, RateLimiter, RedisBuckets, gcra
from api.services import Services
from api.settings import Settings, SettingsError
from billing.access.caller import SCOPE_INVOICES_READ
from tests.conftest import ISSUER
from tests.support.server import portal, portal_env, serving

VIEWER = "{ viewer { subject } }"
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RATE_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")


class ManualClock:
    """Seconds that move only when the test says so."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.seconds = start

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


def _redis_unreachable() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:  # any failure means: no Redis to test against
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the test Redis; its keys are deleted afterwards."""
    reason = _redis_unreachable()
    if reason is not None:
        pytest.skip(f"REDIS IS NOT REACHABLE at {REDIS_URL} ({reason}): the Redis rate-limit tests did NOT run")
    prefix = f"portal-test:{uuid.uuid4().hex}:"
    yield prefix
    store = redis.Redis.from_url(REDIS_URL)
    keys = list(store.scan_iter(match=f"{prefix}*"))
    if keys:
        store.delete(*keys)
    store.close()


async def ask(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})


def rate_headers(response: httpx.Response) -> dict[str, str]:
    return {name: response.headers[name] for name in RATE_HEADERS if name in response.headers}


async def partner(http: httpx.AsyncClient, account_id: uuid.UUID, name: str) -> tuple[str, str]:
    """A partner client of the account: its id and secret."""
    return await create_client(account_id, name, [SCOPE_INVOICES_READ])


async def client_token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    answer = await http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


# The rule, without any storage.

def test_gcra_lets_the_burst_through_then_one_request_per_interval():
    rate, now, tat = Rate(per_minute=60, burst=3), 100.0, None
    decisions = []
    for _ in range(4):
        new_tat, decision = gcra(tat, now, rate)
        tat = new_tat if new_tat is not None else tat
        decisions.append(decision)
    assert [(d.allowed, d.remaining) for d in decisions] == [(True, 2), (True, 1), (True, 0), (False, 0)]
    assert decisions[-1].retry_after == pytest.approx(1.0) and decisions[-1].reset == pytest.approx(3.0)
    assert gcra(tat, now + 0.999, rate)[1].allowed is False
    refilled = gcra(tat, now + 1.0, rate)[1]
    assert refilled.allowed and refilled.remaining == 0
    assert gcra(tat, now + 3.0, rate)[1].remaining == 2, "a bucket left alone fills up to the burst, no more"
    assert gcra(tat, now + 600.0, rate)[1].remaining == 2


# Memory buckets over HTTP.

@pytest.fixture
def clock(services: Services) -> ManualClock:
    """Memory buckets on a manual clock: people 2 at once, partner clients 3, each 60 a minute."""
    clock = ManualClock()
    services.rate_limiter = RateLimiter(MemoryBuckets(clock), client=Rate(60, 3), subject=Rate(60, 2))
    return clock


async def test_a_person_gets_the_burst_then_429_with_retry_after(client, token_for, account, clock):
    token = await token_for("owner", "billing:read")
    answers = [await ask(client, token) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].json() == {
        "data": {"viewer": {"subject": "owner"}}, "extensions": {"cost": {"value": 2, "limit": 10_000}},
    }
    assert [rate_headers(a) for a in answers[:2]] == [
        {"ratelimit-limit": "2", "ratelimit-remaining": "1", "ratelimit-reset": "1", "ratelimit-policy": "60;w=60;burst=2"},
        {"ratelimit-limit": "2", "ratelimit-remaining": "0", "ratelimit-reset": "2", "ratelimit-policy": "60;w=60;burst=2"},
    ]
    refused = answers[2]
    assert refused.headers["retry-after"] == "1"
    assert rate_headers(refused) == {
        "ratelimit-limit": "2", "ratelimit-remaining": "0", "ratelimit-reset": "2", "ratelimit-policy": "60;w=60;burst=2",
    }
    assert refused.json() == {"errors": [{
        "message": "Too many requests: retry in 1 s.", "extensions": {"code": "RATE_LIMITED", "retryAfter": 1},
    }]}


async def test_the_bucket_refills_as_the_clock_moves(client, token_for, account, clock):
    token = await token_for("owner", "billing:read")
    assert [(await ask(client, token)).status_code for _ in range(3)] == [200, 200, 429]
    clock.advance(0.5)
    assert (await ask(client, token)).status_code == 429
    clock.advance(0.5)  # one interval since the bucket emptied: one request more
    assert [(await ask(client, token)).status_code for _ in range(2)] == [200, 429]
    clock.advance(10)  # full again, and no fuller than the burst
    assert [(await ask(client, token)).status_code for _ in range(3)] == [200, 200, 429]


async def test_people_sharing_the_console_client_have_a_bucket_each(client, token_for, account, clock):
    owner, viewer = await token_for("owner", "billing:read"), await token_for("viewer", "billing:read")
    assert [(await ask(client, owner)).status_code for _ in range(3)] == [200, 200, 429]
    assert [(await ask(client, viewer)).status_code for _ in range(3)] == [200, 200, 429]
    # Another token of the same person takes from the same bucket.
    assert (await ask(client, await token_for("owner", "billing:read billing:write"))).status_code == 429


async def test_a_partner_client_is_counted_by_its_client_id(client, account, other_account, clock):
    erp_id, erp_secret = await partner(client, account.id, "ERP")
    crm_id, crm_secret = await partner(client, other_account.id, "CRM")
    erp = await client_token(client, erp_id, erp_secret)
    erp_answers = [await ask(client, erp) for _ in range(4)]
    assert [a.status_code for a in erp_answers] == [200, 200, 200, 429]
    assert erp_answers[0].json()["data"] == {"viewer": {"subject": erp_id}}
    assert erp_answers[0].headers["ratelimit-policy"] == "60;w=60;burst=3"
    # A new token of the same client takes from the same bucket; another client has its own.
    assert (await ask(client, await client_token(client, erp_id, erp_secret))).status_code == 429
    crm = await client_token(client, crm_id, crm_secret)
    assert [(await ask(client, crm)).status_code for _ in range(4)] == [200, 200, 200, 429]


async def test_an_unauthenticated_request_is_401_and_takes_nothing(client, token_for, account, clock):
    for _ in range(5):
        refused = await client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": "Bearer nope"})
        assert refused.status_code == 401 and "ratelimit-limit" not in refused.headers
    token = await token_for("owner", "billing:read")
    assert (await ask(client, token)).headers["ratelimit-remaining"] == "1"


async def test_every_answer_carries_the_headers_even_a_refused_document(client, token_for, account, clock):
    token = await token_for("owner", "billing:read")
    bad = await client.post("/graphql", content=b"not json", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json",
    })
    assert bad.status_code == 400 and bad.headers["ratelimit-remaining"] == "1"
    invalid = await ask_document(client, token, "{ nope }")
    assert invalid.status_code == 200 and invalid.headers["ratelimit-remaining"] == "0"
    assert "extensions" not in invalid.json(), "a document that did not run reports no cost"


async def ask_document(http: httpx.AsyncClient, token: str, document: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"})


async def test_a_rate_of_zero_turns_the_limit_off(client, services, token_for, account):
    services.rate_limiter = RateLimiter.from_settings(
        services.settings.model_copy(update={"rate_limit_subject_per_minute": 0, "rate_limit_subject_burst": 1})
    )
    token = await token_for("owner", "billing:read")
    answers = [await ask(client, token) for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert not any("ratelimit-limit" in a.headers for a in answers)


async def test_a_browser_on_a_listed_origin_may_read_the_headers(settings, signing_key, db, token_for, account):
    console = "https://console.example.com"
    services = Services.build(settings.model_copy(update={"cors_origins": (console,)}), signing_key)
    transport = httpx.ASGITransport(app=create_app(services, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        token = await token_for("owner", "billing:read")
        response = await http.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}", "Origin": console}
        )
    await services.aclose()
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {*RATE_HEADERS, "retry-after", "idempotent-replayed"} <= exposed
    assert response.headers["ratelimit-limit"] == str(settings.rate_limit_subject_burst)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORTAL_RATE_LIMIT_CLIENT_PER_MINUTE", "-1"),
        ("PORTAL_RATE_LIMIT_SUBJECT_BURST", "0"),
        ("PORTAL_REDIS_URL", "http://127.0.0.1:6379"),
        ("PORTAL_REDIS_URL", "redis://127.0.0.1:99999"),
        ("PORTAL_REDIS_KEY_PREFIX", "has space"),
    ],
)
def test_a_bad_limit_setting_names_its_variable(variable: str, value: str):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    assert raised.value.variable == variable


def test_the_limit_settings_are_read():
    settings = Settings.from_env({
        "PORTAL_RATE_LIMIT_CLIENT_PER_MINUTE": "0", "PORTAL_RATE_LIMIT_SUBJECT_PER_MINUTE": "30",
        "PORTAL_RATE_LIMIT_SUBJECT_BURST": "5", "PORTAL_REDIS_URL": "redis://:pw@cache:6380/2",
        "PORTAL_REDIS_KEY_PREFIX": "billing:",
    })
    limiter = RateLimiter.from_settings(settings)
    assert limiter.client is None and limiter.subject == Rate(30, 5)
    assert isinstance(limiter.buckets, RedisBuckets) and limiter.buckets.prefix == "billing:"
    assert isinstance(RateLimiter.from_settings(Settings()).buckets, MemoryBuckets)


# Redis buckets.

async def test_redis_buckets_follow_the_same_rule(redis_prefix):
    clock = ManualClock()
    buckets = RedisBuckets(REDIS_URL, redis_prefix, now=clock)
    rate = Rate(per_minute=60, burst=3)
    try:
        first = [await buckets.take("subject:alice", rate) for _ in range(4)]
        assert [(d.allowed, d.remaining) for d in first] == [(True, 2), (True, 1), (True, 0), (False, 0)]
        assert first[-1].retry_after == pytest.approx(1.0, abs=0.01)
        assert (await buckets.take("subject:bob", rate)).remaining == 2, "another key, another bucket"
        clock.advance(1.0)
        assert [(await buckets.take("subject:alice", rate)).allowed for _ in range(2)] == [True, False]
        clock.advance(60.0)
        assert (await buckets.take("subject:alice", rate)).remaining == 2
    finally:
        await buckets.aclose()


async def test_two_apps_on_one_redis_share_one_budget(settings, signing_key, db, token_for, account, redis_prefix):
    shared = settings.model_copy(update={
        "redis_url": REDIS_URL, "redis_key_prefix": redis_prefix,
        "rate_limit_subject_per_minute": 60, "rate_limit_subject_burst": 4,
    })
    clock = ManualClock()
    apps = []
    for _ in range(2):
        services = Services.build(shared, signing_key)
        services.rate_limiter = RateLimiter.from_settings(shared, now=clock)
        apps.append((services, httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services, manage_database=False)), base_url=ISSUER)))
    token = await token_for("owner", "billing:read")
    try:
        statuses = [(await ask(apps[i % 2][1], token)).status_code for i in range(6)]
        assert statuses == [200, 200, 200, 200, 429, 429]
        clock.advance(1.0)
        assert [(await ask(http, token)).status_code for _, http in apps] == [200, 429]
    finally:
        for services, http in apps:
            await http.aclose()
            await services.aclose()


async def test_an_unreachable_redis_falls_back_to_memory_and_warns(client, services, token_for, account, caplog):
    broken = services.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0", "rate_limit_subject_burst": 2})
    services.rate_limiter = RateLimiter.from_settings(broken, now=ManualClock())
    token = await token_for("owner", "billing:read")
    with caplog.at_level("WARNING", logger="portal.rate_limits"):
        statuses = [(await ask(client, token)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429], "the process still limits, on its own"
    warnings = [r.getMessage() for r in caplog.records if r.name == "portal.rate_limits"]
    assert len(warnings) == 1 and "fall back to this process's memory" in warnings[0]


def test_two_server_processes_share_one_budget_through_redis(tmp_path: Path, redis_prefix: str):
    shared = {
        "PORTAL_DATABASE_URL": f"sqlite://{tmp_path}/shared.sqlite3",
        "PORTAL_SIGNING_KEY_FILE": str(tmp_path / "key.json"),
        "PORTAL_ISSUER": "https://portal.test",  # one issuer for both processes, as behind a proxy
        "PORTAL_REDIS_URL": REDIS_URL,
        "PORTAL_REDIS_KEY_PREFIX": redis_prefix,
        # A budget of 10 that refills one request a minute: the test is over long before.
        "PORTAL_RATE_LIMIT_CLIENT_PER_MINUTE": "1",
        "PORTAL_RATE_LIMIT_CLIENT_BURST": "10",
    }
    env = portal_env(tmp_path, **shared)
    portal(env, "migrate")
    account_id = portal(env, "accounts", "create", "--name", "Acme IoT K.K.", "--owner", "owner").strip()
    created = json.loads(portal(env, "clients", "create", "--account", account_id, "--name", "ERP", "--scope", "invoices:read"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with serving(tmp_path / "a", **shared) as first, serving(tmp_path / "b", **shared) as second:
        issued = httpx.post(
            f"{first.url}/oauth/token", data={"grant_type": "client_credentials"},
            auth=(created["client_id"], created["client_secret"]), timeout=30,
        )
        token = issued.json()["access_token"]
        answers = []
        for i in range(30):
            served = (first, second)[i % 2]
            answers.append(httpx.post(
                f"{served.url}/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}, timeout=30,
            ))
    statuses = [a.status_code for a in answers]
    assert set(statuses) == {200, 429}
    assert statuses.count(200) == 10, statuses
    assert statuses[:10] == [200] * 10, "each server saw the other's requests taken from the budget"
    assert [a.headers["ratelimit-remaining"] for a in answers[:10]] == [str(n) for n in range(9, -1, -1)]
    assert all(a.headers["retry-after"] for a in answers[10:])
