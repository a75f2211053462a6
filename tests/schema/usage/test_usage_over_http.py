"""Over HTTP: staff book a committed, burstable line, record January's usage and
bursting, run billing on February 1; the customer reads the overage and bursting
lines beside February's recurring charge."""

from __future__ import annotations

from typing import Any

from strawberry import relay

from models.accounts import Account
from models.coverage import Coverage
from tests.support.invoicing import give_profile
from tests.support.invoicing_gql import CREATE_ORDER, RUN, order_input

RECORD_USAGE = """
mutation Use($input: RecordUsageInput!) {
  recordUsage(input: $input) { usage { lineId usedOn listAmount { amount currency } } errors { code field message } }
}
"""
RECORD_BURSTING = """
mutation Burst($input: RecordBurstingInput!) {
  recordBursting(input: $input) { bursting { lineId hourStart totalUnits replaced } errors { code field message } }
}
"""
ACTIVATE = """
mutation Activate($id: ID!) {
  activateOrderLine(input: {lineId: $id, activatedOn: "2026-01-01"}) {
    line { discountRate subscribedUnits burstUnitHourPrice } errors { code }
  }
}
"""
LINES = """
query One($number: String!) { invoice(number: $number) {
  total { amount } lines { product kind periodStart periodEnd amount { amount currency } } } }
"""


def _committed_order(account: Account) -> dict[str, object]:
    line = {"product": "Compute", "description": "OCPU", "monthlyAmount": "1000.00", "discountRate": "0.2",
            "subscribedUnits": 4, "burstUnitHourPrice": "0.50"}
    return order_input(str(relay.GlobalID("Account", str(account.id))), bookedOn="2026-01-01", lines=[line])


async def test_staff_record_usage_and_the_customer_reads_overage_and_bursting_lines(
    gql: Any, token_for: Any, account: Account
) -> None:
    staff = await token_for("staff-1", "admin")
    owner = await token_for("owner", "billing:read billing:write")
    await give_profile(account, Coverage.GLOBAL)
    created = (await gql(CREATE_ORDER, staff, {"input": _committed_order(account)}))["data"]["createOrder"]
    line_id = created["order"]["lines"][0]["id"]
    activated = (await gql(ACTIVATE, staff, {"id": line_id}))["data"]["activateOrderLine"]
    assert activated["line"] == {"discountRate": "0.2", "subscribedUnits": 4, "burstUnitHourPrice": "0.5"}
    assert (await gql(RUN, staff, {"asOf": "2026-01-01"}))["data"]["runBilling"]["report"]["issued"] == ["GL-2026-000001"]

    for day in ("2026-01-05", "2026-01-15", "2026-01-25"):
        record = {"lineId": line_id, "usedOn": day, "listAmount": "500.00", "idempotencyKey": f"use-{day}"}
        used = (await gql(RECORD_USAGE, staff, {"input": record}))
        assert used["data"]["recordUsage"]["errors"] == []
    assert used["data"]["recordUsage"]["usage"] == {
        "lineId": line_id, "usedOn": "2026-01-25", "listAmount": {"amount": "500.00", "currency": "USD"}}
    for hour in range(10):
        burst = {"lineId": line_id, "hourStart": f"2026-01-10T{hour:02d}:00:00+00:00", "totalUnits": 6,
                 "idempotencyKey": f"burst-{hour}"}
        assert (await gql(RECORD_BURSTING, staff, {"input": burst}))["data"]["recordBursting"]["errors"] == []
    too_many = {"lineId": line_id, "hourStart": "2026-01-11T00:00:00Z", "totalUnits": 9, "idempotencyKey": "burst-x"}
    refused = (await gql(RECORD_BURSTING, staff, {"input": too_many}))["data"]["recordBursting"]
    assert refused["bursting"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("BURST_LIMIT", "totalUnits")]
    bad_amount = {"lineId": line_id, "usedOn": "2026-01-06", "listAmount": "0.001", "idempotencyKey": "bad"}
    errors = (await gql(RECORD_USAGE, staff, {"input": bad_amount}))["data"]["recordUsage"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", "listAmount")]
    forbidden = await gql(RECORD_USAGE, owner, {"input": {**bad_amount, "listAmount": "1.00"}})
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    assert (await gql(RUN, staff, {"asOf": "2026-02-01"}))["data"]["runBilling"]["report"]["issued"] == ["GL-2026-000002"]
    assert (await gql(RUN, staff, {"asOf": "2026-02-01"}))["data"]["runBilling"]["report"]["issued"] == []
    invoice = (await gql(LINES, owner, {"number": "GL-2026-000002"}))["data"]["invoice"]
    assert [(l["product"], l["kind"], l["periodStart"], l["periodEnd"], l["amount"]["amount"]) for l in invoice["lines"]] == [
        ("Compute", "RECURRING", "2026-02-01", "2026-02-28", "1000.00"),
        ("Compute — overage", "OVERAGE", "2026-01-01", "2026-01-31", "200.00"),
        ("Compute — bursting", "BURSTING", "2026-01-01", "2026-01-31", "10.00"),
    ]
    assert invoice["total"] == {"amount": "1210.00"}
    late = {"lineId": line_id, "usedOn": "2026-01-31", "listAmount": "1.00", "idempotencyKey": "late"}
    errors = (await gql(RECORD_USAGE, staff, {"input": late}))["data"]["recordUsage"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("USAGE_ALREADY_INVOICED", "usedOn")]


async def test_order_line_usage_terms_are_validated_with_the_field_named(gql: Any, token_for: Any, account: Account) -> None:
    staff = await token_for("staff-1", "admin")
    order = _committed_order(account)
    order["lines"] = [
        {"product": "A", "monthlyAmount": "10.00", "discountRate": "1"},
        {"product": "B", "monthlyAmount": "10.00", "subscribedUnits": 4},
        {"product": "C", "monthlyAmount": "10.00", "subscribedUnits": 0, "burstUnitHourPrice": "-1"},
    ]
    errors = (await gql(CREATE_ORDER, staff, {"input": order}))["data"]["createOrder"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [
        ("INVALID", "lines.0.discountRate"), ("REQUIRED", "lines.1.burstUnitHourPrice"),
        ("INVALID", "lines.2.subscribedUnits"), ("INVALID", "lines.2.burstUnitHourPrice"),
    ]
