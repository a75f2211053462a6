"""Limits on what one request may ask, and masking of internal errors."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from billing.access.caller import Caller
from schema import build_schema
from schema.permissions import HasScope


def _of_type_chain(depth: int) -> str:
    """A valid query ``depth`` fields deep (introspection's ofType chain nests freely)."""
    inner = "name"
    for _ in range(depth - 3):
        inner = f"ofType {{ {inner} }}"
    return f'{{ __type(name: "Query") {{ fields {{ type {{ {inner} }} }} }} }}'


async def test_query_within_the_depth_limit_runs(gql, token_for, account):
    body = await gql(_of_type_chain(8), await token_for("owner", "billing:read"))
    assert "errors" not in body and body["data"]["__type"]["fields"]


async def test_query_of_depth_twenty_is_refused(gql, token_for, account):
    # The schema is not 20 levels deep, so the query names fields that do not exist:
    # the depth rule judges the document's shape, and must refuse it on its own count.
    inner = "leaf"
    for level in range(18):
        inner = f"f{level} {{ {inner} }}"
    body = await gql(f"{{ viewer {{ account {{ {inner} }} }} }}", await token_for("owner", "billing:read"))
    assert body.get("data") is None
    assert body["errors"][0]["message"] == "Query too complex: its depth is 20, over the limit of 10.", body
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "depth", "value": 20, "maximum": 10}


async def test_fifty_aliases_are_refused(gql, token_for, account):
    query = "{ " + " ".join(f"a{i}: viewer {{ subject }}" for i in range(50)) + " }"
    body = await gql(query, await token_for("owner", "billing:read"))
    assert body.get("data") is None
    assert body["errors"][0]["message"] == "Query too complex: it has 50 aliases, over the limit of 15."


async def test_huge_query_is_refused_by_token_limit(gql, token_for, account):
    query = "{ viewer { " + " ".join(["subject"] * 2100) + " } }"
    body = await gql(query, await token_for("owner", "billing:read"))
    assert body["errors"][0]["message"] == "Syntax Error: Document contains more than 2000 tokens. Parsing aborted."


async def test_batched_operations_are_refused(client, token_for, account):
    token = await token_for("owner", "billing:read")
    response = await client.post(
        "/graphql",
        json=[{"query": "{ viewer { subject } }"}, {"query": "{ viewer { subject } }"}],
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400


async def test_body_over_the_limit_gets_413(client, token_for, account):
    token = await token_for("owner", "billing:read")
    padding = "x" * 300_000
    response = await client.post(
        "/graphql",
        json={"query": "{ viewer { subject } }", "variables": {"pad": padding}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 413


async def test_queries_via_get_are_refused(client, token_for, account):
    token = await token_for("owner", "billing:read")
    response = await client.get(
        "/graphql", params={"query": "{ viewer { subject } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code in (400, 405)


async def test_internal_error_is_masked_and_logged_with_request_id(gql, token_for, account, db, caplog):
    token = await token_for("owner", "billing:read")
    # A real fault: the accounts table disappears under the running service.
    await db.db().execute_script('ALTER TABLE "accounts" RENAME TO "accounts_gone"')
    try:
        with caplog.at_level(logging.ERROR, logger="portal.graphql"):
            response = await gql.post("{ viewer { account { name } } }", token, X_Request_ID="req-12345")
    finally:
        await db.db().execute_script('ALTER TABLE "accounts_gone" RENAME TO "accounts"')
    body = response.json()
    error = body["errors"][0]
    assert error["message"] == "Internal server error. Quote request id req-12345 to support."
    assert error["extensions"] == {"code": "INTERNAL", "requestId": "req-12345"}
    assert "accounts" not in str(body), "the database error must not leak"
    assert response.headers["x-request-id"] == "req-12345"
    logged = [r for r in caplog.records if "req-12345" in r.getMessage()]
    assert logged and logged[0].exc_info is not None


def test_scope_permission_refuses_a_caller_without_the_scope_as_forbidden():
    # Each feature tests its guarded fields over HTTP; this pins the mechanism itself.
    info = SimpleNamespace(context=SimpleNamespace(caller=Caller("x", frozenset({"billing:read"}), "c")))
    assert HasScope("billing:read").has_permission(None, info) is True
    assert HasScope("billing:write", "admin").has_permission(None, info) is False
    assert HasScope("billing:write").error_extensions == {"code": "FORBIDDEN"}


def test_field_suggestions_only_outside_production():
    dev = build_schema(field_suggestions=True)
    prod = build_schema(field_suggestions=False)
    assert "Did you mean" in dev.execute_sync("{ viewr { subject } }").errors[0].message
    assert "Did you mean" not in prod.execute_sync("{ viewr { subject } }").errors[0].message
