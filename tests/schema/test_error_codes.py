"""Every GraphQL-level error carries ``extensions.code`` from one catalogue
(``schema.error_codes.GraphQLErrorCode``), chosen by what went wrong; over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from schema.error_codes import GraphQLErrorCode
from schema.ids import global_id

RUN = "mutation Run($asOf: Date!) { runBilling(input: {asOf: $asOf}) { errors { code } } }"
INVOICES = "query Many($first: Int, $status: InvoiceStatus) { invoices(first: $first, status: $status) { edges { cursor } } }"
USAGE = "mutation U($input: RecordUsageInput!) { recordUsage(input: $input) { errors { code } } }"
PRICE = "mutation P($input: SetListPriceInput!) { setListPrice(input: $input) { errors { code } } }"
ORDER_LINE = global_id("OrderLine", 1)
VOID = 'mutation { voidInvoice(input: {invoiceId: "not a global id", reason: "x"}) { errors { code } } }'
SET_PO = "mutation Po($id: ID!) { setPurchaseOrderNumber(input: {subscriptionId: $id, poNumber: \"P\"}) { errors { code } } }"


def _codes(body: dict[str, Any]) -> list[str]:
    assert body.get("errors"), body
    return [error.get("extensions", {}).get("code") for error in body["errors"]]


async def test_no_token_is_unauthenticated_with_http_401(gql: Any, account: Any) -> None:
    response = await gql.post("{ viewer { subject } }", None)
    assert response.status_code == 401
    assert _codes(response.json()) == [GraphQLErrorCode.UNAUTHENTICATED.value]


async def test_a_missing_scope_and_a_missing_role_are_both_forbidden(gql: Any, token_for: Any, account: Any) -> None:
    missing_scope = await gql(RUN, await token_for("owner", "billing:read billing:write"), {"asOf": "2026-01-01"})
    assert _codes(missing_scope) == ["FORBIDDEN"]
    viewer = await token_for("viewer", "billing:read billing:write")
    missing_role = await gql(SET_PO, viewer, {"id": global_id("Subscription", 1)})
    assert _codes(missing_role) == ["FORBIDDEN"]


async def test_a_syntax_error_is_parse_failed(gql: Any, token_for: Any, account: Any) -> None:
    body = await gql("{ viewer { subject ", await token_for("owner", "billing:read"))
    assert body.get("data") is None
    assert _codes(body) == ["GRAPHQL_PARSE_FAILED"]


@pytest.mark.parametrize(
    "document",
    [
        "{ viewr { subject } }",  # unknown field
        '{ invoices(first: "ten") { edges { cursor } } }',  # literal of the wrong type
        "query Q($x: Int) { viewer { subject } }",  # unused variable
    ],
)
async def test_a_document_that_does_not_fit_the_schema_is_validation_failed(
    gql: Any, token_for: Any, account: Any, document: str
) -> None:
    body = await gql(document, await token_for("owner", "billing:read"))
    assert body.get("data") is None
    assert set(_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (RUN, {"asOf": "2026-13-01"}),  # not a date
        (RUN, {"asOf": 20260101}),  # a date must be a string
        (INVOICES, {"first": "ten"}),  # not an Int
        (INVOICES, {"status": "OVERDUE"}),  # not an InvoiceStatus value
        (INVOICES, {"first": 500}),  # beyond the page limit
        (USAGE, {"input": {"lineId": ORDER_LINE, "usedOn": "2026-01-01", "listAmount": "NaN", "idempotencyKey": "k"}}),  # not a number
        (USAGE, {"input": {"lineId": ORDER_LINE, "usedOn": "2026-01-01", "listAmount": "Infinity", "idempotencyKey": "k"}}),
        (USAGE, {"input": {"lineId": ORDER_LINE, "usedOn": "2026-01-01", "listAmount": "12,50", "idempotencyKey": "k"}}),
        # instants that exist in their own offset but not in UTC (after 9999 or before year 1)
        (PRICE, {"input": {"product": "p", "currency": "JPY", "unitHourPrice": "1", "effectiveFrom": "9999-12-31T23:59:59-14:00"}}),
        (PRICE, {"input": {"product": "p", "currency": "JPY", "unitHourPrice": "1", "effectiveFrom": "0001-01-01T00:00:00+14:00"}}),
    ],
)
async def test_a_variable_of_the_wrong_type_or_range_is_bad_user_input(
    gql: Any, token_for: Any, account: Any, document: str, variables: dict[str, Any]
) -> None:
    body = await gql(document, await token_for("staff-1", "admin"), variables)
    assert _codes(body) == ["BAD_USER_INPUT"], body


async def test_an_argument_that_is_no_global_id_is_bad_user_input(gql: Any, token_for: Any, account: Any) -> None:
    body = await gql(VOID, await token_for("staff-1", "admin"))
    assert _codes(body) == ["BAD_USER_INPUT"], body


async def test_too_deep_too_many_aliases_or_tokens_is_query_too_complex(gql: Any, token_for: Any, account: Any) -> None:
    token = await token_for("owner", "billing:read")
    deep = "leaf"
    for level in range(18):
        deep = f"f{level} {{ {deep} }}"
    aliases = "{ " + " ".join(f"a{i}: viewer {{ subject }}" for i in range(50)) + " }"
    tokens = "{ viewer { " + " ".join(["subject"] * 2100) + " } }"
    for document in (f"{{ viewer {{ account {{ {deep} }} }} }}", aliases, tokens):
        body = await gql(document, token)
        assert body.get("data") is None
        assert "QUERY_TOO_COMPLEX" in _codes(body), body


async def test_every_code_answered_is_in_the_catalogue(gql: Any, token_for: Any, account: Any) -> None:
    token = await token_for("owner", "billing:read")
    catalogue = {code.value for code in GraphQLErrorCode}
    for document in ("{ viewer { ", "{ viewr }", '{ invoices(first: 101) { edges { cursor } } }'):
        assert set(_codes(await gql(document, token))) <= catalogue


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("null", "must be a JSON object"),
        ("42", "must be a JSON object"),
        ('"{ viewer { subject } }"', "must be a JSON object"),
        ("{not json", "Unable to parse request body as JSON"),
        ('[{"query": "{ viewer { subject } }"}]', "Batching is not enabled"),
        ('{"query": 1}', "`query` must be a string"),
        ('{"query": "{ viewer { subject } }", "variables": [1]}', "`variables` must be an object"),
        ('{"query": "{ viewer { subject } }", "variables": {"a": ' + "[" * 65 + "]" * 65 + "}}", "nested deeper than 64"),
        ("[" * 100_000 + "]" * 100_000, "nested deeper than 64"),  # deeper than Python's JSON decoder recurses
    ],
)
async def test_a_body_that_is_no_graphql_request_is_a_coded_400(client: Any, token_for: Any, account: Any, body: str,
                                                                reason: str) -> None:
    token = await token_for("owner", "billing:read")
    response = await client.post(
        "/graphql", content=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"} and reason in error["message"], error


async def test_variables_nested_64_deep_are_still_read(gql: Any, token_for: Any, account: Any) -> None:
    deep: Any = 1
    for _ in range(62):  # the body object and `variables` are the two outer levels
        deep = [deep]
    body = await gql("{ viewer { subject } }", await token_for("owner", "billing:read"), {"unused": deep})
    assert body == {"data": {"viewer": {"subject": "owner"}}}
