"""Reading the schema itself (``__schema``, ``__type``): open in development; in
production for staff and the clients of ``PORTAL_INTROSPECTION_CLIENTS`` only.
``__typename`` is always allowed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.oauth.tokens import CONSOLE_CLIENT_ID
from tests.conftest import without_cost
from tests.schema.test_request_budget import app_with

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Invoice") { name } }'
TYPENAME = "{ __typename viewer { __typename subject } }"


async def _run(http: httpx.AsyncClient, token: str, query: str) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return without_cost(response.json())


@pytest.mark.parametrize("query", [SCHEMA, TYPE])
async def test_in_production_a_member_may_not_introspect(
    settings: Any, signing_key: Any, token_for: Any, account: Any, query: str
) -> None:
    token = await token_for("owner", "billing:read")
    async with app_with(settings, signing_key, env="production") as http:
        body = await _run(http, token, query)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_in_production_a_member_may_still_ask_for_typename(
    settings: Any, signing_key: Any, token_for: Any, account: Any
) -> None:
    token = await token_for("owner", "billing:read")
    async with app_with(settings, signing_key, env="production") as http:
        body = await _run(http, token, TYPENAME)
    assert body == {"data": {"__typename": "Query", "viewer": {"__typename": "Viewer", "subject": "owner"}}}


async def test_in_production_staff_may_introspect(settings: Any, signing_key: Any, token_for: Any, account: Any) -> None:
    token = await token_for("staff-1", "admin")
    async with app_with(settings, signing_key, env="production") as http:
        assert await _run(http, token, SCHEMA) == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        assert await _run(http, token, TYPE) == {"data": {"__type": {"name": "Invoice"}}}


async def test_in_production_a_listed_client_may_introspect(
    settings: Any, signing_key: Any, token_for: Any, account: Any
) -> None:
    token = await token_for("owner", "billing:read")  # issued to the console client
    async with app_with(
        settings, signing_key, env="production", introspection_clients=("codegen", CONSOLE_CLIENT_ID)
    ) as http:
        assert await _run(http, token, SCHEMA) == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_in_development_anyone_may_introspect(gql: Any, token_for: Any, account: Any) -> None:
    token = await token_for("viewer", "billing:read")
    assert await gql(SCHEMA, token) == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_introspection_hidden_in_a_fragment_is_refused_too(
    settings: Any, signing_key: Any, token_for: Any, account: Any
) -> None:
    token = await token_for("owner", "billing:read")
    query = "{ ...Q } fragment Q on Query { __schema { types { name } } }"
    async with app_with(settings, signing_key, env="production") as http:
        body = await _run(http, token, query)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


def test_the_setting_reads_comma_separated_client_ids() -> None:
    from api.settings import Settings

    assert Settings.from_env({}).introspection_clients == ()
    parsed = Settings.from_env({"PORTAL_INTROSPECTION_CLIENTS": " codegen, ,portal-console "})
    assert parsed.introspection_clients == ("codegen", "portal-console")


async def test_the_full_introspection_query_of_graphiql_fits_the_limits(gql: Any, token_for: Any, account: Any) -> None:
    from graphql import get_introspection_query

    query = get_introspection_query(
        descriptions=True, specified_by_url=True, directive_is_repeatable=True, schema_description=True,
        input_value_deprecation=True, one_of=True,
    )
    body = await gql(query, await token_for("viewer", "billing:read"))
    assert "errors" not in body, body["errors"]
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
