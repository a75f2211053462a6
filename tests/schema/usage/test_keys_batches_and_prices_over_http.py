"""Over HTTP: retried usage answers the first record, a batch reports each record,
staff set the price list, and hours after the term end are billed at it on the
subscription's invoice the month after."""

from __future__ import annotations

from typing import Any

from strawberry import relay

from models.accounts import Account
from models.coverage import Coverage
from models.payment import PaymentSettings
from tests.support.invoicing import give_profile
from tests.support.invoicing_gql import CREATE_ORDER, RUN, order_input

USAGE = "usage { lineId usedOn listAmount { amount currency } idempotencyKey }"
RECORD_USAGE = f"""
mutation Use($input: RecordUsageInput!) {{ recordUsage(input: $input) {{ {USAGE} replayed errors {{ code field }} }} }}
"""
RECORD_BATCH = f"""
mutation Batch($input: RecordUsageBatchInput!) {{
  recordUsageBatch(input: $input) {{
    accepted replayed rejected errors {{ code field }}
    results {{ index disposition {USAGE} errors {{ code field message }} }}
  }}
}}
"""
RECORD_BURSTING = """
mutation Burst($input: RecordBurstingInput!) {
  recordBursting(input: $input) {
    bursting { hourStart totalUnits replaced unitHourPrice idempotencyKey } replayed errors { code field }
  }
}
"""
RECORD_POST_TERM = """
mutation After($input: RecordPostTermUsageInput!) {
  recordPostTermUsage(input: $input) {
    postTermUsage { lineId hourStart units replaced unitHourPrice currency idempotencyKey } replayed
    errors { code field message }
  }
}
"""
SET_PRICE = """
mutation Price($input: SetListPriceInput!) {
  setListPrice(input: $input) { listPrice { product currency unitHourPrice effectiveFrom } errors { code field } }
}
"""
LIST_PRICES = """
query Prices($product: String!, $currency: Currency) {
  listPrices(product: $product, currency: $currency) { currency unitHourPrice effectiveFrom }
}
"""
ACTIVATE = """
mutation Activate($id: ID!) { activateOrderLine(input: {lineId: $id, activatedOn: "2026-01-01"}) { errors { code } } }
"""
LINES = """
query One($number: String!) { invoice(number: $number) {
  total { amount } lines { product description kind periodStart periodEnd amount { amount currency } } } }
"""


async def _line(gql: Any, staff: str, account: Account, *, end: str = "2026-12-31", **extra: Any) -> str:
    if not await PaymentSettings.exists(account_id=account.id, coverage=Coverage.GLOBAL):
        await give_profile(account, Coverage.GLOBAL)  # the coverage pays by invoice
    line = {"product": "Compute", "monthlyAmount": "1000.00", "discountRate": "0.2", **extra}
    order = order_input(str(relay.GlobalID("Account", str(account.id))), bookedOn="2026-01-01", lines=[line])
    order.update(startDate="2026-01-01", endDate=end, billingFrequency="MONTHLY_IN_ADVANCE")
    created = (await gql(CREATE_ORDER, staff, {"input": order}))["data"]["createOrder"]
    assert created["errors"] == [], created
    line_id = created["order"]["lines"][0]["id"]
    assert (await gql(ACTIVATE, staff, {"id": line_id}))["data"]["activateOrderLine"]["errors"] == []
    return line_id


async def test_a_retried_record_answers_the_first_and_a_reused_key_is_refused(gql: Any, token_for: Any, account: Account) -> None:
    staff = await token_for("staff-1", "admin")
    line_id = await _line(gql, staff, account, subscribedUnits=4, burstUnitHourPrice="0.50")
    record = {"lineId": line_id, "usedOn": "2026-01-05", "listAmount": "1500.00", "idempotencyKey": "meter-7/0105"}
    first = (await gql(RECORD_USAGE, staff, {"input": record}))["data"]["recordUsage"]
    retry = (await gql(RECORD_USAGE, staff, {"input": record}))["data"]["recordUsage"]
    assert (first["replayed"], retry["replayed"], retry["usage"]) == (False, True, first["usage"])
    assert first["usage"]["idempotencyKey"] == "meter-7/0105"
    other = (await gql(RECORD_USAGE, staff, {"input": {**record, "listAmount": "1.00"}}))["data"]["recordUsage"]
    assert (other["usage"], other["errors"]) == (None, [{"code": "IDEMPOTENCY_KEY_REUSED", "field": "idempotencyKey"}])
    blank = (await gql(RECORD_USAGE, staff, {"input": {**record, "idempotencyKey": ""}}))["data"]["recordUsage"]
    assert blank["errors"] == [{"code": "REQUIRED", "field": "idempotencyKey"}]
    missing = {k: v for k, v in record.items() if k != "idempotencyKey"}
    assert "idempotencyKey" in (await gql(RECORD_USAGE, staff, {"input": missing}))["errors"][0]["message"]

    burst = {"lineId": line_id, "hourStart": "2026-01-10T03:00:00Z", "totalUnits": 6, "idempotencyKey": "b-1"}
    bursts = [(await gql(RECORD_BURSTING, staff, {"input": burst}))["data"]["recordBursting"] for _ in range(2)]
    assert [b["replayed"] for b in bursts] == [False, True] and bursts[0]["bursting"] == bursts[1]["bursting"]
    assert bursts[0]["bursting"]["unitHourPrice"] == "0.5"
    report = (await gql(RUN, staff, {"asOf": "2026-02-01"}))["data"]["runBilling"]["report"]
    invoice = (await gql(LINES, staff, {"number": report["issued"][0]}))["data"]["invoice"]
    assert [(l["kind"], l["amount"]["amount"]) for l in invoice["lines"] if l["kind"] != "RECURRING"] == [
        ("OVERAGE", "200.00"), ("BURSTING", "1.00")]


async def test_a_batch_reports_each_record_and_stores_the_valid_ones(gql: Any, token_for: Any, account: Account) -> None:
    staff = await token_for("staff-1", "admin")
    owner = await token_for("owner", "billing:read billing:write")
    line_id = await _line(gql, staff, account)
    records = [
        {"lineId": line_id, "usedOn": "2026-01-05", "listAmount": "700.00", "idempotencyKey": "a"},
        {"lineId": line_id, "usedOn": "2026-01-06", "listAmount": "0.001", "idempotencyKey": "b"},
        {"lineId": line_id, "usedOn": "2026-01-05", "listAmount": "700.00", "idempotencyKey": "a"},
        {"lineId": relay.GlobalID("Invoice", "1"), "usedOn": "2026-01-06", "listAmount": "1.00", "idempotencyKey": "c"},
        {"lineId": line_id, "usedOn": "2026-01-07", "listAmount": "800.00", "idempotencyKey": "d"},
    ]
    records[3]["lineId"] = str(records[3]["lineId"])
    batch = (await gql(RECORD_BATCH, staff, {"input": {"records": records}}))["data"]["recordUsageBatch"]
    assert (batch["accepted"], batch["replayed"], batch["rejected"], batch["errors"]) == (2, 1, 2, [])
    assert [(r["index"], r["disposition"], [(e["code"], e["field"]) for e in r["errors"]]) for r in batch["results"]] == [
        (0, "ACCEPTED", []), (1, "REJECTED", [("INVALID", "records.1.listAmount")]), (2, "REPLAYED", []),
        (3, "REJECTED", [("NOT_FOUND", "records.3.lineId")]), (4, "ACCEPTED", []),
    ]
    assert batch["results"][2]["usage"] == batch["results"][0]["usage"] and batch["results"][1]["usage"] is None
    forbidden = await gql(RECORD_BATCH, owner, {"input": {"records": records[:1]}})
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    report = (await gql(RUN, staff, {"asOf": "2026-02-01"}))["data"]["runBilling"]["report"]
    invoice = (await gql(LINES, staff, {"number": report["issued"][0]}))["data"]["invoice"]
    assert ("OVERAGE", "200.00") in [(l["kind"], l["amount"]["amount"]) for l in invoice["lines"]]  # 1,500.00 used


async def test_post_term_hours_are_billed_at_the_price_list_on_the_next_invoice(gql: Any, token_for: Any, account: Account) -> None:
    staff = await token_for("staff-1", "admin")
    owner = await token_for("owner", "billing:read billing:write")
    line_id = await _line(gql, staff, account, end="2026-01-31")
    prices = [("0.125", "2026-01-01T00:00:00Z"), ("0.135", "2026-02-10T09:00:00+09:00")]
    for price, start in prices:
        entry = {"product": "Compute", "currency": "USD", "unitHourPrice": price, "effectiveFrom": start}
        assert (await gql(SET_PRICE, staff, {"input": entry}))["data"]["setListPrice"]["errors"] == []
    listed = (await gql(LIST_PRICES, staff, {"product": "Compute"}))["data"]["listPrices"]
    assert listed == [
        {"currency": "USD", "unitHourPrice": "0.125", "effectiveFrom": "2026-01-01T00:00:00+00:00"},
        {"currency": "USD", "unitHourPrice": "0.135", "effectiveFrom": "2026-02-10T00:00:00+00:00"},
    ]
    assert (await gql(LIST_PRICES, owner, {"product": "Compute"}))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(LIST_PRICES, staff, {"product": "C" * 5_000}))["data"]["listPrices"] == []  # longer than any product
    assert (await gql(RUN, staff, {"asOf": "2026-01-01"}))["data"]["runBilling"]["report"]["issued"] == ["GL-2026-000001"]

    hours = [("2026-02-09T23:00:00Z", 3), ("2026-02-10T00:00:00Z", 3), ("2026-02-10T01:00:00Z", 1)]
    for n, (hour, units) in enumerate(hours):
        sent = {"lineId": line_id, "hourStart": hour, "units": units, "idempotencyKey": f"after-{n}"}
        recorded = (await gql(RECORD_POST_TERM, staff, {"input": sent}))["data"]["recordPostTermUsage"]
        assert recorded["errors"] == [] and recorded["replayed"] is False
    assert recorded["postTermUsage"] == {
        "lineId": line_id, "hourStart": "2026-02-10T01:00:00+00:00", "units": 1, "replaced": False,
        "unitHourPrice": "0.135", "currency": "USD", "idempotencyKey": "after-2"}
    within = {"lineId": line_id, "hourStart": "2026-01-31T23:00:00Z", "units": 1, "idempotencyKey": "x"}
    errors = (await gql(RECORD_POST_TERM, staff, {"input": within}))["data"]["recordPostTermUsage"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("NOT_AFTER_TERM", "hourStart")]

    assert (await gql(RUN, staff, {"asOf": "2026-03-01"}))["data"]["runBilling"]["report"]["issued"] == ["GL-2026-000002"]
    invoice = (await gql(LINES, owner, {"number": "GL-2026-000002"}))["data"]["invoice"]
    assert invoice["lines"] == [{
        "product": "Compute — after the term", "kind": "POST_TERM", "periodStart": "2026-02-01",
        "periodEnd": "2026-02-28", "amount": {"amount": "0.92", "currency": "USD"},
        "description": "Hourly use after the term end, at the list price in force at each hour",
    }]
    assert invoice["total"] == {"amount": "0.92"}
