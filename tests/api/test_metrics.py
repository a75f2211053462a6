"""``/metrics``: a scenario over HTTP moves the counters by exactly what it did; the
database gauges read the outbox; production asks for the metrics token."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.metrics import Metrics
from api.services import Services
from api.settings import Settings, SettingsError
from billing.clock import Clock
from models.accounts import Account
from models.coverage import Coverage
from models.outbox import OutboxMessage, OutboxStatus
from schema.ids import global_id
from tests.conftest import ISSUER
from tests.support.documents import PRODUCTION_ENV
from tests.support.invoicing import give_profile
from tests.support.invoicing_gql import ACTIVATE, CREATE_ORDER, order_input

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

RUN = "mutation Run($input: RunBillingInput!) { runBilling(input: $input) { report { issued held } errors { code } } }"
ONE = "query One($number: String!) { invoice(number: $number) { status } }"


async def scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def _booked(gql: Any, staff: str, account: Account) -> None:
    await give_profile(account, Coverage.GLOBAL)
    created = (await gql(CREATE_ORDER, staff, {"input": order_input(global_id("Account", account.id))}))["data"]
    for line in created["createOrder"]["order"]["lines"]:
        await gql(ACTIVATE, staff, {"id": line["id"], "on": "2026-01-06"})


async def test_a_scenario_moves_the_counters_by_exactly_what_it_did(
    client: httpx.AsyncClient, gql: Any, token_for: Any, services: Services, account: Account, backend: str
) -> None:
    services.clock = Clock(fixed=date(2026, 1, 20), simulation_allowed=True)
    staff = await token_for("staff-1", "admin")
    owner = await token_for("owner", "billing:read")
    await _booked(gql, staff, account)
    before = await scrape(client)

    report = (await gql(RUN, staff, {"input": {"asOf": "2026-01-20"}}))["data"]["runBilling"]["report"]
    assert report == {"issued": ["GL-2026-000001"], "held": []}
    for _ in range(2):
        assert (await gql(ONE, owner, {"number": "GL-2026-000001"}))["data"]["invoice"]["status"]
    unknown_field = await gql.post("{ noSuchField }", owner)
    assert unknown_field.status_code == 200
    assert unknown_field.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert (await gql.post(ONE, None, {"number": "x"})).status_code == 401
    assert (await gql.post(ONE, "not-a-jwt", {"number": "x"})).status_code == 401
    assert (await client.get("/invoices/GL-2026-000001.pdf")).status_code == 401

    after = await scrape(client)
    assert moved(before, after, "portal_graphql_operations_total", operation="Run") == 1
    assert moved(before, after, "portal_graphql_operations_total", operation="One") == 2
    assert moved(before, after, "portal_graphql_operations_total", operation="anonymous") == 1
    assert moved(before, after, "portal_graphql_errors_total", operation="anonymous", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert sum(v for (name, _), v in after.items() if name == "portal_graphql_errors_total") == 1
    assert moved(before, after, "portal_token_validations_total", result="ok") == 4
    assert moved(before, after, "portal_token_validations_total", result="missing") == 1
    assert moved(before, after, "portal_token_validations_total", result="invalid") == 1
    assert moved(before, after, "portal_http_requests_total", method="POST", route="/graphql", status="200") == 4
    assert moved(before, after, "portal_http_requests_total", method="POST", route="/graphql", status="401") == 2
    assert moved(before, after, "portal_http_requests_total", method="GET", route="/invoices/{number}.pdf", status="401") == 1
    assert moved(before, after, "portal_http_requests_total", method="GET", route="/metrics", status="200") == 1
    assert moved(before, after, "portal_http_request_duration_seconds_count", method="POST", route="/graphql") == 6
    assert not any("GL-2026-000001" in str(labels) for _, labels in after), "raw paths are never labels"
    assert moved(before, after, "portal_billing_runs_total") == 1
    assert moved(before, after, "portal_billing_run_units_total", outcome="issued") == 1
    assert moved(before, after, "portal_billing_run_units_total", outcome="held") == 0
    assert moved(before, after, "portal_billing_run_units_total", outcome="failed") == 0
    assert moved(before, after, "portal_billing_run_duration_seconds_count") == 1
    # The invoice's email waits in the outbox, due now.
    assert after[("portal_outbox_messages", frozenset({("status", "PENDING")}))] >= 1
    assert after[("portal_database_up", frozenset())] == 1
    pool = {labels: value for (name, labels), value in after.items() if name == "portal_db_pool_connections"}
    if backend == "postgres":  # asyncpg's pool; SQLite has none and reports nothing
        assert pool[frozenset({("state", "in_use")})] >= 0 and pool[frozenset({("state", "max")})] >= 1
    else:
        assert pool == {}


async def test_the_outbox_gauges_say_how_long_the_oldest_due_message_has_waited(
    client: httpx.AsyncClient, db: Any
) -> None:
    now = datetime.now(UTC)
    for index, (status, due) in enumerate([
        (OutboxStatus.PENDING, now - timedelta(seconds=120)),
        (OutboxStatus.PENDING, now + timedelta(hours=1)),  # backing off: not due
        (OutboxStatus.FAILED, now - timedelta(days=3)),
    ]):
        await OutboxMessage.create(
            kind="test", dedup_key=f"k{index}", to_addresses=["a@example.test"], language="en", data={},
            status=status, next_attempt_at=due,
        )
    samples = await scrape(client)
    assert samples[("portal_outbox_messages", frozenset({("status", "PENDING")}))] == 2
    assert samples[("portal_outbox_messages", frozenset({("status", "FAILED")}))] == 1
    assert samples[("portal_outbox_messages", frozenset({("status", "SENT")}))] == 0
    assert 119 <= samples[("portal_outbox_oldest_due_seconds", frozenset())] < 180


async def test_each_app_counts_in_its_own_registry(settings: Settings, signing_key: Any, db: Any) -> None:
    first, second = Services.build(settings, signing_key), Services.build(settings, signing_key)
    assert first.metrics.registry is not second.metrics.registry
    async with _client(first) as one, _client(second) as two:
        await one.get("/healthz")
        await one.get("/healthz")
        await two.get("/healthz")
        ok = ("portal_http_requests_total", frozenset({("method", "GET"), ("route", "/healthz"), ("status", "200")}))
        assert (await scrape(one))[ok] == 2
        assert (await scrape(two))[ok] == 1


async def test_in_production_metrics_need_the_metrics_token(settings: Settings, signing_key: Any, db: Any) -> None:
    token = "m" * 40
    production = settings.model_copy(update={"env": "production", "metrics": "token", "metrics_token": token})
    async with _client(Services.build(production, signing_key)) as http:
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        samples = await scrape(http, Authorization=f"Bearer {token}")
        unauthorised = ("portal_http_requests_total", frozenset({("method", "GET"), ("route", "/metrics"), ("status", "401")}))
        assert samples[unauthorised] == 2


async def test_without_a_token_production_refuses_every_scrape(settings: Settings, signing_key: Any, db: Any) -> None:
    production = settings.model_copy(update={"env": "production", "metrics": "token", "metrics_token": None})
    async with _client(Services.build(production, signing_key)) as http:
        assert (await http.get("/metrics", headers={"Authorization": "Bearer "})).status_code == 401


@pytest.mark.parametrize("change", [{"metrics": "off"}, {"metrics_port": 9464}])
async def test_metrics_off_or_on_their_own_port_are_not_served_by_the_api(
    settings: Settings, signing_key: Any, db: Any, change: dict[str, Any]
) -> None:
    async with _client(Services.build(settings.model_copy(update=change), signing_key)) as http:
        assert (await http.get("/metrics")).status_code == 404


def test_settings_default_to_public_in_development_and_token_in_production() -> None:
    assert Settings.from_env({}).metrics == "public"
    assert Settings.from_env({}).log_format == "text"
    parsed = Settings.from_env({"PORTAL_METRICS": "off", "PORTAL_METRICS_PORT": "9464", "PORTAL_LOG_FORMAT": "json"})
    assert (parsed.metrics, parsed.metrics_port, parsed.log_format) == ("off", 9464, "json")
    production = Settings.from_env(PRODUCTION_ENV)
    assert (production.metrics, production.metrics_token, production.log_format) == ("token", None, "json")
    token = "t" * 32
    assert Settings.from_env({**PRODUCTION_ENV, "PORTAL_METRICS_TOKEN": token}).metrics_token == token
    with pytest.raises(SettingsError, match="PORTAL_METRICS_TOKEN"):
        Settings.from_env({"PORTAL_METRICS_TOKEN": "short"})
    with pytest.raises(SettingsError, match="PORTAL_METRICS"):
        Settings.from_env({"PORTAL_METRICS": "open"})


def test_billing_runs_are_counted_from_their_report() -> None:
    from billing.invoicing.run import RunReport, UnitFailure

    metrics = Metrics()
    metrics.billing_run(RunReport(date(2026, 1, 20), issued=["A", "B"], failures=[UnitFailure((1,), "boom")]), 2.5)
    metrics.email_delivery("SENT")
    metrics.webhook_delivery("FAILED")
    assert metrics.registry.get_sample_value("portal_billing_run_units_total", {"outcome": "issued"}) == 2
    assert metrics.registry.get_sample_value("portal_billing_run_units_total", {"outcome": "failed"}) == 1
    assert metrics.registry.get_sample_value("portal_billing_run_duration_seconds_sum") == 2.5
    assert metrics.registry.get_sample_value("portal_email_deliveries_total", {"outcome": "SENT"}) == 1
    assert metrics.registry.get_sample_value("portal_webhook_deliveries_total", {"outcome": "FAILED"}) == 1


def _client(services: Services) -> httpx.AsyncClient:
    app = create_app(services, manage_database=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER)


async def test_the_worker_counts_deliveries_and_serves_them_on_its_own_port(
    settings: Settings, db: Any, smtp_sink: Any
) -> None:
    from api.metrics import serve_metrics_port
    from notifications.smtp import SmtpServer
    from notifications.worker import Worker, WorkerConfig
    from tests.notifications.conftest import enqueue_invoices
    from tests.support.smtp import free_port

    metrics = Metrics.with_database()
    port = free_port()
    await enqueue_invoices(3)
    worker = Worker(WorkerConfig(), SmtpServer.from_url(smtp_sink.url), on_outcome=metrics.email_delivery)
    with serve_metrics_port(settings.model_copy(update={"metrics_port": port, "host": "127.0.0.1"}), metrics):
        assert await worker.drain() == 3
        async with httpx.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/metrics")
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text) for s in family.samples
    }
    assert samples[("portal_email_deliveries_total", frozenset({("outcome", "SENT")}))] == 3
    # The gauges were read on the test's event loop while the port's thread waited.
    assert samples[("portal_outbox_messages", frozenset({("status", "SENT")}))] == 3
    assert samples[("portal_outbox_messages", frozenset({("status", "PENDING")}))] == 0


async def test_the_worker_counts_webhook_deliveries_by_outcome(settings: Settings, db: Any, account: Account) -> None:
    from api.worker import webhook_deliverer
    from models.events import InvoiceEventType
    from tests.support.webhook_receiver import Receiver
    from tests.support.webhooks import endpoint, issued_invoice, record

    metrics = Metrics.with_database()
    invoice = await issued_invoice(account)
    async with Receiver() as receiver:
        await endpoint(account, receiver.url, [InvoiceEventType.INVOICE_PAID, InvoiceEventType.INVOICE_VOIDED])
        await record(invoice, InvoiceEventType.INVOICE_PAID, InvoiceEventType.INVOICE_VOIDED)
        assert await webhook_deliverer(settings, metrics).drain() == 2
    assert metrics.registry.get_sample_value("portal_webhook_deliveries_total", {"outcome": "SUCCEEDED"}) == 2
    assert metrics.database is not None
    await metrics.database.refresh()
    assert metrics.registry.get_sample_value("portal_webhook_delivery_rows", {"status": "SUCCEEDED"}) == 2


async def test_rate_limit_refusals_and_idempotent_replays_are_counted(
    settings: Settings, signing_key: Any, db: Any, account: Account
) -> None:
    from api.oauth.tokens import mint_access_token
    from tests.support.payment import OWNER_SCOPES, UPDATE, invoice_coverage

    limited = settings.model_copy(update={"rate_limit_subject_burst": 4, "rate_limit_subject_per_minute": 1})
    services = Services.build(limited, signing_key)
    async with _client(services) as http:
        async def gql(query: str, token: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers={"Authorization": f"Bearer {token}"}
            )
            return dict(response.json())

        async def token_for(subject: str, scopes: str) -> str:
            return await mint_access_token(services.authorization_server, subject, scopes.split())

        await invoice_coverage(gql, token_for, "JP")  # the owner's first request
        owner = await token_for("owner", OWNER_SCOPES)
        body = {"query": UPDATE, "variables": {"input": {"coverage": "JP", "expectedVersion": 1, "city": "Naha"}}}
        headers = {"Authorization": f"Bearer {owner}", "Idempotency-Key": "edit-1"}
        first, again = [await http.post("/graphql", json=body, headers=headers) for _ in range(2)]
        assert first.status_code == again.status_code == 200 and "idempotent-replayed" in again.headers
        statuses = [(await http.post("/graphql", json=body, headers=headers)).status_code for _ in range(3)]
        assert statuses.count(429) >= 1
        samples = await scrape(http)
    assert samples[("portal_idempotent_replays_total", frozenset({("route", "/graphql")}))] == 1 + statuses.count(200)
    assert samples[("portal_rate_limited_requests_total", frozenset({("route", "/graphql")}))] == statuses.count(429)
