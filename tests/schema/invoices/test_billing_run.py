"""The report of a billing run over HTTP: what it issued, and the subscriptions it
held, by global ids that ``node(id:)`` reads."""

from __future__ import annotations

from datetime import date
from typing import Any

from billing.clock import Clock
from models.accounts import Account
from models.coverage import Coverage
from models.invoices import Invoice
from models.payment import PaymentSettings
from schema.ids import global_id
from tests.support.invoicing import give_profile
from tests.support.invoicing_gql import ACTIVATE, CREATE_ORDER, RUN, order_input

NODE = "query N($id: ID!) { node(id: $id) { id ... on Subscription { poRequired onHold holdReason } } }"


async def test_a_held_subscription_is_reported_by_a_global_id_that_node_reads(
    gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    staff = await token_for("staff-1", "admin")
    await give_profile(account, Coverage.GLOBAL)
    created = await gql(CREATE_ORDER, staff, {"input": order_input(global_id("Account", account.id), poRequired=True)})
    order = created["data"]["createOrder"]["order"]
    for line in order["lines"]:
        assert (await gql(ACTIVATE, staff, {"id": line["id"], "on": "2026-01-06"}))["data"]["activateOrderLine"]["errors"] == []

    report = (await gql(RUN, staff, {"asOf": "2026-01-20"}))["data"]["runBilling"]["report"]
    assert report["issued"] == []
    assert report["held"] == [order["subscription"]["id"]]

    held = report["held"][0]
    expected = {"id": held, "poRequired": True, "onHold": True, "holdReason": "PURCHASE_ORDER_MISSING"}
    assert (await gql(NODE, staff, {"id": held}))["data"]["node"] == expected
    assert (await gql(NODE, await token_for("owner", "billing:read"), {"id": held}))["data"]["node"] == expected
    assert (await gql(NODE, await token_for("intruder", "billing:read"), {"id": held}))["data"]["node"] is None


RUN_ANY = """
mutation Run($input: RunBillingInput!) {
  runBilling(input: $input) { report { asOf issued } errors { code field message } }
}
"""
STATUS = "query One($number: String!) { invoice(number: $number) { status dueDate } }"


async def _booked(gql: Any, staff: str, account: Account) -> None:
    await give_profile(account, Coverage.GLOBAL)
    created = (await gql(CREATE_ORDER, staff, {"input": order_input(global_id("Account", account.id))}))["data"]
    for line in created["createOrder"]["order"]["lines"]:
        await gql(ACTIVATE, staff, {"id": line["id"], "on": "2026-01-06"})


async def test_in_production_a_run_is_for_today_only(gql: Any, token_for: Any, services: Any, account: Account) -> None:
    services.clock = Clock(fixed=date(2026, 1, 20), simulation_allowed=False)
    staff = await token_for("staff-1", "admin")
    await _booked(gql, staff, account)
    for day in ("2026-01-19", "2026-01-21"):
        refused = (await gql(RUN_ANY, staff, {"input": {"asOf": day}}))["data"]["runBilling"]
        assert refused["report"] is None
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [("AS_OF_NOT_TODAY", "asOf")]
    assert await Invoice.all().count() == 0
    today = (await gql(RUN_ANY, staff, {"input": {}}))["data"]["runBilling"]["report"]
    assert today == {"asOf": "2026-01-20", "issued": ["GL-2026-000001"]}
    again = (await gql(RUN_ANY, staff, {"input": {"asOf": "2026-01-20"}}))["data"]["runBilling"]
    assert again["errors"] == [] and again["report"]["issued"] == []


async def test_in_development_a_run_may_simulate_any_day_and_the_clock_decides_past_due(
    gql: Any, token_for: Any, services: Any, account: Account
) -> None:
    services.clock = Clock(fixed=date(2026, 1, 20), simulation_allowed=True)
    staff = await token_for("staff-1", "admin")
    await _booked(gql, staff, account)
    simulated = (await gql(RUN_ANY, staff, {"input": {"asOf": "2026-02-01"}}))["data"]["runBilling"]["report"]
    assert simulated["asOf"] == "2026-02-01" and simulated["issued"] == ["GL-2026-000001"]
    owner = await token_for("owner", "billing:read")
    shown = (await gql(STATUS, owner, {"number": "GL-2026-000001"}))["data"]["invoice"]
    assert shown == {"status": "ISSUED", "dueDate": "2026-03-03"}
    services.clock = Clock(fixed=date(2026, 3, 4), simulation_allowed=True)
    assert (await gql(STATUS, owner, {"number": "GL-2026-000001"}))["data"]["invoice"]["status"] == "PAST_DUE"
    listed = await gql("{ invoices(status: PAST_DUE) { edges { node { number } } } }", owner)
    assert [e["node"]["number"] for e in listed["data"]["invoices"]["edges"]] == ["GL-2026-000001"]


async def test_a_subscription_whose_coverage_lost_its_payment_method_shows_why_it_is_held(
    gql: Any, token_for: Any, services: Any, account: Account
) -> None:
    services.clock = Clock(fixed=date(2026, 1, 20), simulation_allowed=False)
    staff = await token_for("staff-1", "admin")
    await _booked(gql, staff, account)
    owner = await token_for("owner", "billing:read")
    subs = "{ subscriptions { edges { node { id holdReason } } } }"
    (edge,) = (await gql(subs, owner))["data"]["subscriptions"]["edges"]
    assert edge["node"]["holdReason"] is None
    await PaymentSettings.filter(account_id=account.id).delete()
    (edge,) = (await gql(subs, owner))["data"]["subscriptions"]["edges"]
    assert edge["node"]["holdReason"] == "PAYMENT_METHOD_MISSING"
    report = (await gql(RUN_ANY, staff, {"input": {}}))["data"]["runBilling"]["report"]
    assert report["issued"] == []
    holds = (await gql(
        "mutation { runBilling(input: {}) { report { held holds { subscriptionId reason } } } }", staff
    ))["data"]["runBilling"]["report"]
    assert holds == {"held": [edge["node"]["id"]],
                     "holds": [{"subscriptionId": edge["node"]["id"], "reason": "PAYMENT_METHOD_MISSING"}]}
