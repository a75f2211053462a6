"""Documents are parsed, analysed and validated once, then served from the cache;
the limits that depend on the request (the cost with its variables) still apply."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema
from graphql import parse

from schema import limits
from schema.cost import analyse
from schema.document_cache import DocumentCache
from tests.support.invoicing_gql import INVOICE_FIELDS

PAGE = f"pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {INVOICE_FIELDS} }} }}"
"""A page of invoices as the console reads it: 53 per invoice, 5,301 for a page of 100."""


class Calls:
    """Counts the calls of Strawberry's parse and validation, and of the limits'
    analysis, for one query text."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, query: str) -> None:
        self.parsed = 0
        self.analysed = 0
        self.validated = 0
        real_parse, real_validate = strawberry_schema.parse, strawberry_schema.validate_document
        real_analyse = limits.analyse

        def analyse_spy(document: Any, schema: Any) -> Any:
            self.analysed += document.loc is not None and document.loc.source.body == query
            return real_analyse(document, schema)

        def parse_spy(source: Any, *args: Any, **kwargs: Any) -> Any:
            self.parsed += source == query
            return real_parse(source, *args, **kwargs)

        def validate_spy(schema: Any, document: Any, rules: Any) -> Any:
            self.validated += document.loc is not None and document.loc.source.body == query
            return real_validate(schema, document, rules)

        monkeypatch.setattr(strawberry_schema, "parse", parse_spy)
        monkeypatch.setattr(strawberry_schema, "validate_document", validate_spy)
        monkeypatch.setattr(limits, "analyse", analyse_spy)


def _unique(document: str) -> str:
    """The cache outlives a test (one schema per set of limits): a comment makes the text new."""
    return f"# {uuid.uuid4().hex}\n{document}"


async def test_the_same_document_twice_is_parsed_and_validated_once(
    gql: Any, token_for: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await token_for("owner", "billing:read")
    query = _unique("query Me { viewer { subject role } }")
    calls = Calls(monkeypatch, query)
    first = await gql(query, token)
    second = await gql(query, token)
    assert first == second == {"data": {"viewer": {"subject": "owner", "role": "OWNER"}}}
    assert (calls.parsed, calls.analysed, calls.validated) == (1, 1, 1)


async def test_an_invalid_document_is_answered_from_the_cache_with_the_same_errors(
    gql: Any, token_for: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await token_for("owner", "billing:read")
    query = _unique("{ viewer { subjectt } }")
    calls = Calls(monkeypatch, query)
    first = await gql(query, token)
    second = await gql(query, token)
    assert first == second and first["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert (calls.parsed, calls.validated) == (1, 1)


async def test_a_cached_document_with_a_larger_first_is_still_refused_for_its_cost(
    client: Any, token_for: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await token_for("owner", "billing:read")
    query = _unique(f"query Pages($n: Int) {{ a: invoices(first: $n) {{ {PAGE} }} b: invoices(first: $n) {{ {PAGE} }} }}")
    calls = Calls(monkeypatch, query)

    async def run(n: int) -> dict[str, Any]:
        response = await client.post(
            "/graphql", json={"query": query, "variables": {"n": n}}, headers={"Authorization": f"Bearer {token}"}
        )
        return response.json()

    small = await run(10)
    large = await run(100)
    small_again = await run(10)

    assert "errors" not in small and "errors" not in small_again
    error = large["errors"][0]
    assert large["data"] is None
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "cost", "value": 2 * 5_301, "maximum": 10_000}
    assert (calls.parsed, calls.analysed, calls.validated) == (1, 1, 1), "served from the cache, and still refused"


def test_the_cache_is_bounded_by_entries_and_by_characters() -> None:
    from schema import build_schema

    schema = build_schema()._schema
    cache = DocumentCache(max_entries=3, max_chars=100)

    def put(query: str) -> None:
        document = parse(query)
        cache.put(query, None, document, analyse(document, schema))

    for i in range(5):
        put(f"{{ a{i}: viewer {{ subject }} }}")
    assert len(cache) == 3
    assert cache.get("{ a0: viewer { subject } }", None) is None
    assert cache.get("{ a4: viewer { subject } }", None) is not None
    put("{ viewer { " + "subject " * 12 + "} }")  # 109 characters: more than the whole cache
    assert cache.get("{ a4: viewer { subject } }", None) is not None and len(cache) == 3
    put("{ viewer { " + "subject " * 8 + "} }")  # 77 characters: the older entries make room
    assert len(cache) == 1
