"""The report of a billing run over HTTP: what it issued, and the subscriptions it
held, by global ids that ``node(id:)`` reads."""

from __future__ import annotations

from typing import Any

from models.accounts import Account
from schema.ids import global_id
from tests.support.invoicing_gql import ACTIVATE, CREATE_ORDER, RUN, order_input

NODE = "query N($id: ID!) { node(id: $id) { id ... on Subscription { poRequired onHold } } }"


async def test_a_held_subscription_is_reported_by_a_global_id_that_node_reads(
    gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    staff = await token_for("staff-1", "admin")
    created = await gql(CREATE_ORDER, staff, {"input": order_input(global_id("Account", account.id), poRequired=True)})
    order = created["data"]["createOrder"]["order"]
    for line in order["lines"]:
        assert (await gql(ACTIVATE, staff, {"id": line["id"], "on": "2026-01-06"}))["data"]["activateOrderLine"]["errors"] == []

    report = (await gql(RUN, staff, {"asOf": "2026-01-20"}))["data"]["runBilling"]["report"]
    assert report["issued"] == []
    assert report["held"] == [order["subscription"]["id"]]

    held = report["held"][0]
    expected = {"id": held, "poRequired": True, "onHold": True}
    assert (await gql(NODE, staff, {"id": held}))["data"]["node"] == expected
    assert (await gql(NODE, await token_for("owner", "billing:read"), {"id": held}))["data"]["node"] == expected
    assert (await gql(NODE, await token_for("intruder", "billing:read"), {"id": held}))["data"]["node"] is None
