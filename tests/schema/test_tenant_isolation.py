"""Tenant isolation, generated from the schema: every query field and mutation that
takes an ID (as an argument or inside its input), called by the owner of another
account with every customer scope and each of this account's ids in every ID slot,
answers nothing and changes nothing.

Nothing here names a field: a new field or mutation that takes an ID is called the
day it is added. (A new ``Node`` type needs a maker in ``MAKERS``, which
``tests/schema/test_scopes_on_every_path.py`` demands, so that its ids are tried too.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
)
from tortoise import Tortoise

import schema
from billing.access.caller import CUSTOMER_SCOPES
from models.accounts import Account
from models.invoices import Invoice
from tests.support.worlds import build_world

PAGE_FIELDS = {"pageInfo", "__typename", "errors", "cursor"}
"""Parts of an answer that carry no data of the account: the page's position, the type, the payload's errors."""


def _unwrap(graphql_type: Any) -> Any:
    while isinstance(graphql_type, (GraphQLNonNull, GraphQLList)):
        graphql_type = graphql_type.of_type
    return graphql_type


def _takes_id(graphql_type: Any, seen: frozenset[str] = frozenset()) -> bool:
    named = _unwrap(graphql_type)
    if isinstance(named, GraphQLScalarType):
        return named.name == "ID"
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        return any(_takes_id(f.type, seen | {named.name}) for f in named.fields.values())
    return False


def _plain_value(named: Any) -> Any:
    """A valid value of a non-ID scalar or enum (the call must get past input coercion)."""
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    return {
        "String": "x", "Int": 1, "Boolean": True, "Date": date(2026, 3, 2).isoformat(), "Decimal": "1",
        "DateTime": "2026-03-02T00:00:00Z", "Float": 1.0,
    }.get(named.name, "x")


def _value(graphql_type: Any, gid: str, required_only: bool) -> Any:
    """A value for ``graphql_type`` with ``gid`` in every ID slot (required fields, and every ID field)."""
    nullable = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if isinstance(nullable, GraphQLList):
        return [_value(nullable.of_type, gid, required_only)]
    if isinstance(nullable, GraphQLScalarType) and nullable.name == "ID":
        return gid
    if isinstance(nullable, GraphQLInputObjectType):
        return {
            name: _value(field.type, gid, required_only) for name, field in nullable.fields.items()
            if _needed(field, required_only)
        }
    return _plain_value(nullable)


def _needed(argument: GraphQLArgument | GraphQLInputField, required_only: bool) -> bool:
    required = isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
    return required or _takes_id(argument.type) or not required_only


def _selection(graphql_type: Any, depth: int = 0) -> str:
    """Every field without required arguments, two levels deep (lists and objects by their
    ``__typename`` below that): enough to see any data of the account that comes back."""
    named = _unwrap(graphql_type)
    if isinstance(named, GraphQLUnionType):
        return "{ __typename }"
    if isinstance(named, GraphQLInterfaceType):  # its own leaf fields (a Node's id): data if it comes back
        leaves = [n for n, f in named.fields.items() if not isinstance(_unwrap(f.type), GraphQLObjectType)]
        return "{ " + " ".join(["__typename", *leaves]) + " }"
    if not isinstance(named, GraphQLObjectType):
        return ""
    if depth >= 2:
        return "{ __typename }"
    parts = ["__typename"]
    for name, field in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in field.args.values()):
            continue
        parts.append(f"{name} {_selection(field.type, depth + 1)}".strip())
    return "{ " + " ".join(parts) + " }"


def _calls() -> Iterator[tuple[str, str, GraphQLField]]:
    built = schema.build_schema()._schema
    for operation, root in (("query", built.query_type), ("mutation", built.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            if any(_takes_id(argument.type) for argument in field.args.values()):
                yield operation, name, field


def _document(operation: str, name: str, field: GraphQLField, gid: str) -> tuple[str, dict[str, Any]]:
    declared, passed, variables = [], [], {}
    for arg_name, argument in field.args.items():
        if not _needed(argument, required_only=True):
            continue
        declared.append(f"${arg_name}: {argument.type}")
        passed.append(f"{arg_name}: ${arg_name}")
        variables[arg_name] = _value(argument.type, gid, required_only=True)
    head = f"{operation}({', '.join(declared)})" if declared else operation
    return f"{head} {{ {name}({', '.join(passed)}) {_selection(field.type)} }}", variables


def _nothing(value: Any, path: str = "") -> list[str]:
    """Where ``value`` carries data: a non-empty list, a value other than null, or a
    count other than 0, anywhere but in the parts that describe no data."""
    if value is None:
        return []
    if isinstance(value, list):  # nodes(ids:) answers a null per id it may not show
        return [found for index, item in enumerate(value) for found in _nothing(item, f"{path}[{index}]")]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if key in PAGE_FIELDS:
                continue
            found += _nothing(item, f"{path}.{key}")
        return found
    if value == 0 and path.endswith("totalCount"):
        return []
    return [f"{path} = {value!r}"]


async def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (ordered), to compare before and after."""
    connection = Tortoise.get_connection("default")
    tables = sorted(model._meta.db_table for model in Tortoise.apps["portal"].values())
    snapshot = {}
    for table in tables:
        rows = await connection.execute_query_dict(f'SELECT * FROM "{table}"')
        snapshot[table] = sorted(tuple(sorted((k, str(v)) for k, v in row.items())) for row in rows)
    return snapshot


async def test_another_accounts_caller_reads_nothing_and_changes_nothing_through_any_id(
    gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    world = await build_world(gql, token_for, account, "owner")
    ids = sorted(world.made.values())
    intruder = await token_for("intruder", " ".join(CUSTOMER_SCOPES))
    calls = list(_calls())
    assert {"node", "nodes", "invoices", "voidInvoice"} <= {name for _, name, _ in calls}
    before = await _snapshot()

    leaks, internal = [], []
    for operation, name, field in calls:
        for gid in ids:
            document, variables = _document(operation, name, field, gid)
            body = await gql(document, intruder, variables)
            codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
            if "INTERNAL" in codes or "GRAPHQL_VALIDATION_FAILED" in codes:
                internal.append((name, gid, body["errors"]))
            data = (body.get("data") or {}).get(name)
            leaks += [f"{name}({gid}){where}" for where in _nothing(data)]
    assert internal == []
    assert leaks == []
    assert await _snapshot() == before
    assert await Invoice.filter(account_id=account.id).exists()  # there was something to reach
