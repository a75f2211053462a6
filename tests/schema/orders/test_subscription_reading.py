"""Reading subscriptions and their order lines: the list, and the node interface
for the caller's own account only."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.accounts import Account
from tests.support.invoicing import activate, book, line

LOOKUP = "query N($id: ID!) { node(id: $id) { id ... on OrderLine { product } ... on Subscription { coverage } } }"
SUBSCRIPTIONS = "query { subscriptions { edges { node { id lines { id product } } } } }"


async def test_subscriptions_and_order_lines_resolve_as_nodes_for_their_account_only(
    gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    _, (row,) = await book(account, [line("X", "10.00")], booked_on=date(2026, 3, 1), start=date(2026, 3, 1),
                           end=date(2027, 2, 28))
    await activate(row, date(2026, 3, 1))
    owner = await token_for("owner", "billing:read")
    intruder = await token_for("intruder", "billing:read")
    (edge,) = (await gql(SUBSCRIPTIONS, owner))["data"]["subscriptions"]["edges"]
    sub_id, line_id = edge["node"]["id"], edge["node"]["lines"][0]["id"]
    assert (await gql(LOOKUP, owner, {"id": line_id}))["data"]["node"] == {"id": line_id, "product": "X"}
    assert (await gql(LOOKUP, owner, {"id": sub_id}))["data"]["node"] == {"id": sub_id, "coverage": "GLOBAL"}
    assert (await gql(LOOKUP, intruder, {"id": line_id}))["data"]["node"] is None
    assert (await gql(LOOKUP, intruder, {"id": sub_id}))["data"]["node"] is None
    assert (await gql(SUBSCRIPTIONS, intruder))["data"]["subscriptions"]["edges"] == []
