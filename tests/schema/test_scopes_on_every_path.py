"""Scopes hold on every path, checked from the schema itself.

Every ``Node`` type declares once which scopes read it (``schema.permissions.readable_by``;
staff read every type). These tests enumerate the built schema rather than list types or
fields by hand:

* every ``Node`` type has a declaration, and the table of ``MAKERS`` (tests/support/worlds.py) creates one
  object of every ``Node`` type (a new type fails here until it has both);
* walking the schema from every root field, no field reaches a ``Node`` type with a
  scope that its declaration does not allow (``PaymentSettings.invoiceProfile`` is
  guarded by ``paymentSettings``, whose scopes are within ``InvoiceProfile``'s);
* over HTTP, for every scope and a partner client's token, ``node(id:)`` and
  ``nodes(ids:)`` answer every object (of the caller's account and of another) with
  data exactly when the declaration allows, and ``null`` otherwise, never FORBIDDEN;
  every root query field answers, or is FORBIDDEN, as its ``requires`` says;
* the billing read functions behind each type's ``resolve_nodes`` enforce the same
  scopes by themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
)
from strawberry import relay

import schema
from api.oauth.store import create_client, record_issued_token
from billing.access.caller import ALL_SCOPES, CUSTOMER_SCOPES, SCOPE_ADMIN, SCOPE_INVOICES_READ, Caller
from models.accounts import Account, Role
from models.invoices import Invoice
from schema.ids import global_id
from schema.permissions import read_scopes, readers
from schema.viewer.queries import MAX_NODES
from tests.conftest import AUDIENCE, ISSUER
from tests.support import forge
from tests.support.schema_scopes import required_scopes
from tests.support.worlds import MAKERS, World, build_world

NODE = "query N($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query Ns($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
DAY = date(2026, 3, 2)


def _schema() -> Any:
    return schema.build_schema()


def _graphql_schema() -> GraphQLSchema:
    return _schema()._schema


def _node_type_names() -> list[str]:
    """Every object type of the schema that implements ``Node``."""
    return sorted(
        name for name, graphql_type in _graphql_schema().type_map.items()
        if isinstance(graphql_type, GraphQLObjectType) and any(i.name == "Node" for i in graphql_type.interfaces)
    )


def _origin(type_name: str) -> type:
    return _schema().get_type_by_name(type_name).origin


# --- static: the schema itself ------------------------------------------------------------------


def test_every_node_type_declares_who_may_read_it() -> None:
    names = _node_type_names()
    assert {"Account", "Invoice", "InvoiceApplication", "InvoiceProfile", "OrderLine", "Subscription"} <= set(names)
    for name in names:
        declared = read_scopes(_origin(name))  # raises when a type declares nothing
        assert declared and set(declared) <= set(CUSTOMER_SCOPES), name


def test_the_declarations_chosen() -> None:
    assert {name: set(read_scopes(_origin(name))) for name in _node_type_names()} == {
        "Account": {"billing:read", "billing:write", "invoices:read"},
        "Invoice": {"billing:read", "billing:write", "invoices:read"},
        "Subscription": {"billing:read", "billing:write", "invoices:read"},
        "OrderLine": {"billing:read", "billing:write", "invoices:read"},
        "InvoiceProfile": {"billing:read", "billing:write"},
        "InvoiceApplication": {"billing:read", "billing:write"},
        "WebhookEndpoint": {"billing:read", "billing:write"},
        "WebhookDelivery": {"billing:read", "billing:write"},
    }


def _unwrap(graphql_type: Any) -> GraphQLNamedType:
    while isinstance(graphql_type, (GraphQLNonNull, GraphQLList)):
        graphql_type = graphql_type.of_type
    return graphql_type


def _reachable(root: str, field_name: str) -> Iterator[tuple[str, str]]:
    """Every (path, Node type) reachable from ``root.field_name`` without passing
    through a field returning the ``Node`` interface itself (``node``, ``nodes``:
    checked over HTTP below)."""
    graphql_schema = _graphql_schema()
    root_type = graphql_schema.get_type(root)
    assert isinstance(root_type, GraphQLObjectType)
    start = _unwrap(root_type.fields[field_name].type)
    seen: set[str] = set()
    todo: list[tuple[str, GraphQLNamedType]] = [(f"{root}.{field_name}", start)]
    while todo:
        path, graphql_type = todo.pop()
        if graphql_type.name in seen:
            continue
        seen.add(graphql_type.name)
        if isinstance(graphql_type, (GraphQLInterfaceType, GraphQLUnionType)):
            assert graphql_type.name != "Node", f"{path} returns any Node: only node and nodes may"
            todo.extend((path, t) for t in graphql_schema.get_possible_types(graphql_type))
            continue
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        if any(i.name == "Node" for i in graphql_type.interfaces):
            yield path, graphql_type.name
        for name, child in graphql_type.fields.items():
            todo.append((f"{path}.{name}", _unwrap(child.type)))


def _root_fields() -> list[tuple[str, str]]:
    graphql_schema = _graphql_schema()
    roots = [t for t in (graphql_schema.query_type, graphql_schema.mutation_type) if t is not None]
    return [(root.name, name) for root in roots for name in root.fields if (root.name, name) not in DYNAMIC]


DYNAMIC = {("Query", "node"), ("Query", "nodes")}
"""The fields that read any Node type and check its declaration themselves."""


@pytest.mark.parametrize(("root", "field_name"), _root_fields())
def test_no_field_reaches_a_type_with_a_scope_its_declaration_refuses(root: str, field_name: str) -> None:
    required = required_scopes(root, field_name)
    scopes = set(ALL_SCOPES if required is None else required)
    for path, node_type in _reachable(root, field_name):
        allowed = set(readers(_origin(node_type)))
        assert scopes <= allowed, f"{path} lets {sorted(scopes - allowed)} read {node_type}"


def test_a_partner_reaches_no_invoice_profile_data_through_any_field() -> None:
    """The defect this file was written for, stated plainly: with ``invoices:read``
    alone no root field reaches a type with the profile's bill-to (``BillTo``);
    ``Invoice.billTo`` is the invoice's own snapshot, a different type."""
    bill_to_types = {t.name for t in _graphql_schema().get_possible_types(_graphql_schema().get_type("BillTo"))}
    assert bill_to_types == {"InvoiceApplication", "InvoiceProfile"}
    for root, field_name in _root_fields():
        required = required_scopes(root, field_name)
        if required is not None and SCOPE_INVOICES_READ not in required:
            continue
        reached = {node_type for _, node_type in _reachable(root, field_name)}
        assert not reached & bill_to_types, f"{root}.{field_name} reaches {reached & bill_to_types}"


def test_the_makers_cover_every_node_type() -> None:
    names = [name for name, _ in MAKERS]
    assert len(names) == len(set(names))
    assert sorted(names) == _node_type_names(), "add a maker for each new Node type to MAKERS"


# --- who asks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asker:
    label: str
    token: str
    scopes: frozenset[str]
    account_id: uuid.UUID | None  # None: staff

    def may_read(self, type_name: str, account_id: uuid.UUID) -> bool:
        """What the declaration says this caller reads of ``type_name`` on ``account_id``."""
        if SCOPE_ADMIN in self.scopes:
            return True
        return account_id == self.account_id and bool(self.scopes & set(read_scopes(_origin(type_name))))


async def _partner_token(client: Any, account: Account) -> str:
    client_id, secret = await create_client(account.id, "ERP", [SCOPE_INVOICES_READ])
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == SCOPE_INVOICES_READ
    return str(response.json()["access_token"])


async def _askers(client: Any, token_for: Any, signing_key: Any, account: Account) -> list[Asker]:
    askers = []
    for scope in ALL_SCOPES:  # a member with each customer scope; staff with admin
        subject = "staff-1" if scope == SCOPE_ADMIN else "owner"
        owner_of = None if scope == SCOPE_ADMIN else account.id
        askers.append(Asker(f"{subject} {scope}", await token_for(subject, scope), frozenset({scope}), owner_of))
    askers.append(Asker("viewer billing:read", await token_for("viewer", "billing:read"),
                        frozenset({"billing:read"}), account.id))
    askers.append(Asker("partner invoices:read", await _partner_token(client, account),
                        frozenset({SCOPE_INVOICES_READ}), account.id))
    claims = forge.claims(ISSUER, AUDIENCE, sub="owner", scope="openid")  # as another client might ask for
    await record_issued_token(claims)  # a token of the embedded issuer is valid once recorded
    no_scope = forge.sign(signing_key, claims)
    askers.append(Asker("owner without a known scope", no_scope, frozenset(), account.id))
    return askers


# --- over HTTP ----------------------------------------------------------------------------------


def _root_arguments(worlds: list[World], invoice_number: str) -> dict[tuple[str, str], Any]:
    """A value for every required argument of a root query field, by (field, argument)."""
    ids = [gid for world in worlds for gid in world.made.values()]
    return {
        ("node", "id"): ids[0],
        ("nodes", "ids"): ids,
        ("paymentSettings", "coverage"): "JP",
        ("listPrices", "product"): "Compute",
        ("invoice", "number"): invoice_number,
        ("webhookDeliveries", "endpointId"): worlds[0].made["WebhookEndpoint"],
    }


def _root_query(field_name: str, values: dict[tuple[str, str], Any]) -> tuple[str, dict[str, Any]]:
    """A document reading root field ``field_name`` (its required arguments from
    ``values``, as variables), and the variables."""
    query_type = _graphql_schema().query_type
    assert query_type is not None
    definition = query_type.fields[field_name]
    declared, passed, variables = [], [], {}
    for name, argument in definition.args.items():
        if isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined:
            assert (field_name, name) in values, f"give Query.{field_name}({name}:) a value in _root_arguments"
            declared.append(f"${name}: {argument.type}")
            passed.append(f"{name}: ${name}")
            variables[name] = values[field_name, name]
    composite = isinstance(_unwrap(definition.type), (GraphQLObjectType, GraphQLInterfaceType))
    head = f"query({', '.join(declared)})" if declared else "query"
    call = f"{field_name}({', '.join(passed)})" if passed else field_name
    return f"{head} {{ {call}{' { __typename }' if composite else ''} }}", variables


async def test_every_path_answers_as_the_declarations_say(
    gql: Any, client: Any, token_for: Any, signing_key: Any, account: Account, other_account: Account
) -> None:
    worlds = [
        await build_world(gql, token_for, account, "owner"), await build_world(gql, token_for, other_account, "intruder")
    ]
    objects = [(type_name, gid, world.account.id) for world in worlds for type_name, gid in world.made.items()]
    assert len(objects) == 2 * len(_node_type_names())
    invoice = await Invoice.get(id=int(relay.GlobalID.from_id(worlds[0].made["Invoice"]).node_id))
    values = _root_arguments(worlds, invoice.number)
    query_type = _graphql_schema().query_type
    assert query_type is not None

    for asker in await _askers(client, token_for, signing_key, account):
        expected = [gid if asker.may_read(type_name, owner) else None for type_name, gid, owner in objects]
        answered = []
        for (type_name, gid, _), want in zip(objects, expected, strict=True):
            body = await gql(NODE, asker.token, {"id": gid})
            assert "errors" not in body, (asker.label, type_name, body)
            node = body["data"]["node"]
            assert (node and node["id"]) == want, f"{asker.label}: node({type_name}) answered {node}"
            answered.append(node and node["id"])
        body = await gql(NODES, asker.token, {"ids": [gid for _, gid, _ in objects]})
        assert "errors" not in body, (asker.label, body)
        assert [node and node["id"] for node in body["data"]["nodes"]] == expected == answered, asker.label

        viewer = (await gql("{ viewer { account { id } } }", asker.token))["data"]["viewer"]["account"]
        mine = asker.account_id is not None and asker.may_read("Account", asker.account_id)
        assert viewer == ({"id": worlds[0].made["Account"]} if mine else None), asker.label

        for field_name in query_type.fields:
            required = required_scopes("Query", field_name)
            document, variables = _root_query(field_name, values)
            body = await gql(document, asker.token, variables)
            if required is None or asker.scopes & set(required):
                assert "errors" not in body, (asker.label, field_name, body)
                assert field_name in body["data"], (asker.label, field_name, body)
            else:
                assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], (asker.label, field_name)
                assert body["data"] in (None, {field_name: None}), (asker.label, field_name, body)


async def test_the_billing_read_functions_enforce_the_same_scopes(
    gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    """Each type's ``resolve_nodes`` called directly, past ``node``'s gate: the billing
    function behind it narrows to the declaration by itself."""
    worlds = [
        await build_world(gql, token_for, account, "owner"), await build_world(gql, token_for, other_account, "intruder")
    ]
    callers = [Caller("staff-1", frozenset({SCOPE_ADMIN}), "test")] + [
        Caller("owner", frozenset({scope}), "test", account.id, Role.OWNER) for scope in CUSTOMER_SCOPES
    ]
    for caller in callers:
        asker = Asker(str(sorted(caller.scopes)), "", caller.scopes, caller.account_id)
        info = SimpleNamespace(context=SimpleNamespace(caller=caller))
        for type_name in _node_type_names():
            gids = [world.made[type_name] for world in worlds]
            keys = [relay.GlobalID.from_id(gid).node_id for gid in gids]
            nodes = await _origin(type_name).resolve_nodes(info=info, node_ids=keys, required=False)
            got = [node is not None for node in nodes]
            want = [asker.may_read(type_name, world.account.id) for world in worlds]
            assert got == want, f"{asker.label} reading {type_name} through billing"


async def test_nodes_reads_at_most_100_ids(gql: Any, token_for: Any, account: Account) -> None:
    token = await token_for("owner", "billing:read")
    gid = global_id("Account", account.id)
    most = await gql(NODES, token, {"ids": [gid] * MAX_NODES})
    assert [node["id"] for node in most["data"]["nodes"]] == [gid] * MAX_NODES
    too_many = await gql(NODES, token, {"ids": [gid] * (MAX_NODES + 1)})
    assert too_many["data"] is None
    assert [e["extensions"]["code"] for e in too_many["errors"]] == ["BAD_USER_INPUT"]
    assert "at most 100" in too_many["errors"][0]["message"]


async def test_nodes_keeps_the_order_and_answers_bad_ids_like_missing_ones(
    gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    token = await token_for("owner", "invoices:read")
    mine, theirs = global_id("Account", account.id), global_id("Account", other_account.id)
    ids = ["not an id", global_id("InvoiceProfile", 1), theirs, mine, global_id("NoSuchType", 1), mine]
    body = await gql(NODES, token, {"ids": ids})
    assert [node and node["id"] for node in body["data"]["nodes"]] == [None, None, None, mine, None, mine]
