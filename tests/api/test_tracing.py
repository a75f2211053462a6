"""OpenTelemetry traces (api/tracing.py): off unless an endpoint is set; when on, one trace
per request holds the HTTP span, the GraphQL operation and its resolvers, and (PostgreSQL)
every statement, and the request id the client gets back is the trace id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.app import create_app
from api.services import Services
from api.settings import Settings
from api.tracing import tracer_provider
from tests.conftest import ISSUER

QUERY = {"query": "query Who { viewer { subject } }", "operationName": "Who"}


@pytest_asyncio.fixture
async def traced(services: Services, db: Any) -> AsyncIterator[tuple[httpx.AsyncClient, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    services.tracer_provider = tracer_provider(services.settings, exporter)
    app = create_app(services, manage_database=False)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
            yield http, exporter
    finally:
        AsyncPGInstrumentor().uninstrument()  # it patches asyncpg for the whole process
        await services.aclose()


async def test_a_request_is_one_trace_whose_id_is_the_request_id(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter], token_for: Any, account: Any, backend: str,
    services: Services,
) -> None:
    http, exporter = traced
    token = await token_for("owner", "billing:read")
    assert services.tracer_provider is not None
    services.tracer_provider.force_flush()
    exporter.clear()  # the fixtures' own statements (PostgreSQL) are not the request's
    response = await http.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["data"]["viewer"]["subject"] == "owner"
    services.tracer_provider.force_flush()

    spans = exporter.get_finished_spans()
    request_id = response.headers["x-request-id"]
    assert {format(span.context.trace_id, "032x") for span in spans} == {request_id}
    names = [span.name for span in spans]
    assert "POST /graphql" in names, names
    assert "GraphQL Query: Who" in names, names
    assert "GraphQL Resolving: viewer" in names, names
    if backend == "postgres":
        statements = [s for s in spans if (s.attributes or {}).get("db.system") == "postgresql"]
        assert statements, "the member lookup is a traced statement"


def test_traces_are_off_without_an_endpoint() -> None:
    assert tracer_provider(Settings(env="development")) is None
    assert Settings.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}).otlp_endpoint == (
        "http://collector:4318"
    )
