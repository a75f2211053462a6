"""The cost of a query is bounded before it runs: depth, aliases, cost (connections
count ``first`` times) and repeated fields are judged in one pass over the document,
each fragment once, and a refused operation sends nothing to the database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import pytest

from tests.schema.test_request_budget import app_with
from tests.support.invoicing_gql import INVOICES

_STATEMENT_WORDS = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}


def doubling(levels: int) -> str:
    """``levels`` fragments on Invoice, each spreading the next one twice: the
    document stays small while its expansion selects ``number`` 2^levels times."""
    fragments = [f"fragment F{i} on Invoice {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Invoice {{ number }}")
    return "query Doubling { invoices(first: 1) { edges { node { ...F0 } } } } " + " ".join(fragments)


async def statements(caplog: Any, request: Awaitable[Any]) -> tuple[Any, int]:
    """The result of ``request`` and the number of SQL statements it sent."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        result = await request
    sent = sum(
        1
        for record in caplog.records
        if record.name == "tortoise.db_client" and record.getMessage().lstrip().split(" ", 1)[0].upper() in _STATEMENT_WORDS
    )
    return result, sent


def _error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


@pytest.mark.parametrize(("levels", "limit"), [(10, "repeats"), (20, "cost"), (30, "cost")])
async def test_the_fragment_doubling_query_is_refused_before_it_runs(
    gql: Any, token_for: Any, account: Any, caplog: Any, levels: int, limit: str
) -> None:
    token = await token_for("owner", "billing:read")
    # What the request costs the database without running any resolver (authentication).
    _, baseline = await statements(caplog, gql("{ __typename }", token))
    # The same shape, small, does run: it reads invoices.
    small, ran = await statements(caplog, gql(doubling(1), token))
    assert "errors" not in small and ran > baseline

    body, sent = await statements(caplog, gql(doubling(levels), token))

    error = _error(body)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == limit
    assert error["extensions"]["value"] > error["extensions"]["maximum"]
    assert sent == baseline, "a refused operation must not reach the database"


async def test_an_astronomical_cost_is_named_but_not_printed_in_full(gql: Any, token_for: Any, account: Any) -> None:
    error = _error(await gql(doubling(60), await token_for("owner", "billing:read")))
    assert error["message"] == "Query too complex: its cost is more than 1,000,000,000, over the limit of 10,000."
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "cost", "value": 1_000_000_001, "maximum": 10_000}


@pytest.mark.parametrize(
    ("document", "limit"),
    [
        ("{ " + " ".join(["viewer { subject }"] * 499) + " }", "repeats"),  # just within the token limit
        ("{ " + " ".join(f"a{i}: viewer {{ subject }}" for i in range(100)) + " }", "aliases"),
        ("{ " + " ".join(f"a{i}: viewer {{ subject }}" for i in range(500)) + " }", None),  # over the token limit
    ],
    ids=["499-repeats", "100-aliases", "500-aliases"],
)
async def test_a_document_repeating_a_field_hundreds_of_times_is_refused(
    gql: Any, token_for: Any, account: Any, caplog: Any, document: str, limit: str | None
) -> None:
    token = await token_for("owner", "billing:read")
    _, baseline = await statements(caplog, gql("{ __typename }", token))
    body, sent = await statements(caplog, gql(document, token))
    error = _error(body)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"].get("limit") == limit
    assert sent == baseline


async def test_the_same_field_a_few_times_and_through_fragments_is_fine(gql: Any, token_for: Any, account: Any) -> None:
    document = """
    query Fine { viewer { subject ...Who ...Who } viewer { subject scopes } }
    fragment Who on Viewer { subject role }
    """
    body = await gql(document, await token_for("owner", "billing:read"))
    assert "errors" not in body and body["data"]["viewer"]["subject"] == "owner"


async def test_a_console_page_of_a_hundred_invoices_passes_and_reports_its_cost(
    client: Any, token_for: Any, account: Any
) -> None:
    token = await token_for("owner", "billing:read")
    response = await client.post(
        "/graphql",
        json={"query": INVOICES, "variables": {"first": 100}, "extensions": {"cost": True}},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    assert body["data"]["invoices"]["edges"] == []
    # 1 for the connection + 100 × (page info, edges, cursor and every invoice field).
    assert body["extensions"]["cost"] == {"value": 5_301, "limit": 10_000}


async def test_the_cost_follows_the_variables_and_the_defaults(client: Any, token_for: Any, account: Any) -> None:
    token = await token_for("owner", "billing:read")
    document = "query Page($n: Int = 5) { invoices(first: $n) { edges { cursor } } }"

    async def cost(variables: dict[str, Any]) -> int:
        response = await client.post(
            "/graphql",
            json={"query": document, "variables": variables, "extensions": {"cost": True}},
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.json()["extensions"]["cost"]["value"]

    assert await cost({}) == 1 + 5 * 2  # the variable's default
    assert await cost({"n": 50}) == 1 + 50 * 2
    assert await cost({"n": None}) == 1 + 20 * 2  # null: the page size by default


async def test_a_cycle_of_fragments_is_refused(gql: Any, token_for: Any, account: Any) -> None:
    document = "{ viewer { ...A } } fragment A on Viewer { subject ...B } fragment B on Viewer { role ...A }"
    error = _error(await gql(document, await token_for("owner", "billing:read")))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "within itself" in error["message"]


async def test_healthz_answers_while_a_refused_heavy_query_is_in_flight(client: Any, token_for: Any, account: Any) -> None:
    token = await token_for("owner", "billing:read")
    heavy = client.post("/graphql", json={"query": doubling(30)}, headers={"Authorization": f"Bearer {token}"})
    refused, health = await asyncio.gather(heavy, client.get("/healthz"))
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_the_cost_limit_is_the_setting(settings: Any, signing_key: Any, token_for: Any, account: Any) -> None:
    token = await token_for("owner", "billing:read")
    document = "query Page($n: Int) { invoices(first: $n) { edges { cursor } } }"
    async with app_with(settings, signing_key, graphql_max_cost=100) as http:
        answers = [
            (await http.post("/graphql", json={"query": document, "variables": {"n": n}},
                             headers={"Authorization": f"Bearer {token}"})).json()
            for n in (49, 50)
        ]
    # 1 + 49 × 2 = 99, reported without being asked for
    assert answers[0] == {"data": {"invoices": {"edges": []}}, "extensions": {"cost": {"value": 99, "limit": 100}}}
    assert answers[1]["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COMPLEX", "limit": "cost", "value": 101, "maximum": 100
    }
