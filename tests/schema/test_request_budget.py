"""What one request may run: one named operation, within a wall-clock budget;
a request that names nothing runnable gets a coded GraphQL error, not a plain 400."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.services import Services
from api.settings import Settings, SettingsError
from tests.conftest import without_cost

TWO_OPERATIONS = "query Who { viewer { subject } } query What { viewer { scopes } }"


@asynccontextmanager
async def app_with(settings: Any, signing_key: Any, **changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client to an app whose settings differ from the fixture's by ``changes``
    (tokens of ``token_for`` are valid there too: same issuer and key)."""
    services = Services.build(settings.model_copy(update=changes), signing_key)
    app = create_app(services, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.issuer) as http:
        yield http
    await services.aclose()


async def _post(http: httpx.AsyncClient, token: str, **body: Any) -> httpx.Response:
    return await http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-t1"})


def _code(response: httpx.Response) -> str:
    body = response.json()
    assert body.get("data") is None, body
    return body["errors"][0]["extensions"]["code"]


async def test_an_operation_over_its_time_budget_is_cancelled_with_request_timeout(
    settings: Any, signing_key: Any, token_for: Any, account: Any
) -> None:
    token = await token_for("owner", "billing:read")
    # A microsecond: the operation is cancelled at its first wait on the database.
    async with app_with(settings, signing_key, graphql_timeout_seconds=0.000_001) as http:
        response = await _post(http, token, query="{ viewer { account { name } } }")
        within_budget = await _post(http, token, query="{ __typename }")  # never waits: finishes
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "The operation did not finish within 1e-06 seconds and was cancelled."
                " Quote request id req-t1 to support.",
                "extensions": {"code": "REQUEST_TIMEOUT", "requestId": "req-t1"},
            }
        ],
    }
    assert without_cost(within_budget.json()) == {"data": {"__typename": "Query"}}


async def test_the_database_still_answers_after_a_cancelled_operation(
    settings: Any, signing_key: Any, token_for: Any, account: Any, gql: Any
) -> None:
    token = await token_for("owner", "billing:read")
    async with app_with(settings, signing_key, graphql_timeout_seconds=0.000_001) as http:
        assert _code(await _post(http, token, query="{ viewer { account { name } } }")) == "REQUEST_TIMEOUT"
    body = await gql("{ viewer { account { name } } }", token)
    assert body == {"data": {"viewer": {"account": {"name": "Acme IoT K.K."}}}}


async def test_several_operations_without_an_operation_name_are_refused(client: Any, token_for: Any, account: Any) -> None:
    token = await token_for("owner", "billing:read")
    response = await _post(client, token, query=TWO_OPERATIONS)
    assert response.status_code == 200
    assert _code(response) == "BAD_USER_INPUT"
    assert "operationName" in response.json()["errors"][0]["message"]


async def test_the_operation_named_is_the_one_that_runs(client: Any, token_for: Any, account: Any) -> None:
    token = await token_for("owner", "billing:read")
    what = await _post(client, token, query=TWO_OPERATIONS, operationName="What")
    who = await _post(client, token, query=TWO_OPERATIONS, operationName="Who")
    assert without_cost(what.json()) == {"data": {"viewer": {"scopes": ["billing:read"]}}}
    assert without_cost(who.json()) == {"data": {"viewer": {"subject": "owner"}}}


async def test_an_unknown_operation_name_is_a_coded_json_error(client: Any, token_for: Any, account: Any) -> None:
    token = await token_for("owner", "billing:read")
    response = await _post(client, token, query=TWO_OPERATIONS, operationName="Nope")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert _code(response) == "BAD_USER_INPUT"
    assert "'Nope'" in response.json()["errors"][0]["message"]


async def test_an_empty_or_missing_query_is_a_coded_json_error(client: Any, token_for: Any, account: Any) -> None:
    token = await token_for("owner", "billing:read")
    for body in ({"query": ""}, {"variables": {}}, {"query": None}):
        response = await _post(client, token, **body)
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
        assert _code(response) == "GRAPHQL_PARSE_FAILED", body


async def test_a_document_of_fragments_only_is_a_coded_json_error(client: Any, token_for: Any, account: Any) -> None:
    token = await token_for("owner", "billing:read")
    response = await _post(client, token, query="fragment F on Viewer { subject }")
    assert _code(response) == "GRAPHQL_VALIDATION_FAILED"


def test_the_budget_settings_are_read_and_checked() -> None:
    defaults = Settings.from_env({})
    assert (defaults.graphql_timeout_seconds, defaults.graphql_max_cost) == (5.0, 10_000)
    custom = Settings.from_env({"PORTAL_GRAPHQL_TIMEOUT_SECONDS": "2.5", "PORTAL_GRAPHQL_MAX_COST": "20000"})
    assert (custom.graphql_timeout_seconds, custom.graphql_max_cost) == (2.5, 20_000)
    for variable, value in [
        ("PORTAL_GRAPHQL_TIMEOUT_SECONDS", "0"),
        ("PORTAL_GRAPHQL_TIMEOUT_SECONDS", "3600"),
        ("PORTAL_GRAPHQL_TIMEOUT_SECONDS", "soon"),
        ("PORTAL_GRAPHQL_MAX_COST", "10"),
        ("PORTAL_GRAPHQL_MAX_COST", "many"),
    ]:
        with pytest.raises(SettingsError) as raised:
            Settings.from_env({variable: value})
        assert raised.value.variable == variable
