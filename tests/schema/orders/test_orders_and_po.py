"""Orders, activations and PO numbers over HTTP: staff only where it must be,
the card threshold, and the customer's PO number and exemption."""

from __future__ import annotations

from typing import Any

from strawberry import relay

from models.accounts import Account
from models.coverage import Coverage
from models.orders import Subscription
from models.payment import PaymentMethod
from tests.support.invoicing import give_profile
from tests.support.invoicing_gql import (
    ACTIVATE,
    CREATE_ORDER,
    EXEMPT,
    RUN,
    SET_PO,
    order_input,
)


def _gid(account: Account) -> str:
    return str(relay.GlobalID("Account", str(account.id)))


def _small(account: Account, **overrides: Any) -> dict[str, Any]:
    overrides.setdefault("lines", [{"product": "Starter", "monthlyAmount": "100.00"}])  # about 1,190 USD
    return order_input(_gid(account), **overrides)


async def test_customers_cannot_book_orders_activate_or_run_billing(gql: Any, token_for: Any, account: Account) -> None:
    owner = await token_for("owner", "billing:read billing:write")
    for document, variables in (
        (CREATE_ORDER, {"input": order_input(_gid(account))}),
        (ACTIVATE, {"id": str(relay.GlobalID("OrderLine", "1")), "on": "2026-01-01"}),
        (RUN, {"asOf": "2026-01-01"}),
    ):
        body = await gql(document, owner, variables)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_small_global_order_in_a_card_country_must_be_paid_by_card(gql: Any, token_for: Any, account: Account) -> None:
    staff = await token_for("staff-1", "admin")
    await give_profile(account, Coverage.GLOBAL, country="US")
    refused = (await gql(CREATE_ORDER, staff, {"input": _small(account)}))["data"]["createOrder"]
    assert refused["order"] is None and [e["code"] for e in refused["errors"]] == ["CREDIT_CARD_REQUIRED"]
    elsewhere = (await gql(CREATE_ORDER, staff, {"input": _small(account, country="JP")}))["data"]["createOrder"]
    assert elsewhere["errors"] == []
    big = order_input(_gid(account), bookedOn="2026-01-01", lines=[{"product": "Big", "monthlyAmount": "166.67"}])  # 2,000.04
    assert (await gql(CREATE_ORDER, staff, {"input": big}))["data"]["createOrder"]["errors"] == []


async def test_a_card_paying_coverage_may_book_small_orders(gql: Any, token_for: Any, account: Account) -> None:
    staff = await token_for("staff-1", "admin")
    await give_profile(account, Coverage.GLOBAL, country="US", method=PaymentMethod.CREDIT_CARD,
                       card_reference="card_visa_4242_122030")
    assert (await gql(CREATE_ORDER, staff, {"input": _small(account)}))["data"]["createOrder"]["errors"] == []


async def test_an_order_on_a_coverage_without_a_payment_method_is_refused(
    gql: Any, token_for: Any, account: Account
) -> None:
    staff = await token_for("staff-1", "admin")
    body = (await gql(CREATE_ORDER, staff, {"input": order_input(_gid(account))}))["data"]["createOrder"]
    assert body["order"] is None
    assert [(e["code"], e["field"]) for e in body["errors"]] == [("NO_PAYMENT_METHOD", "coverage")]
    assert await Subscription.all().count() == 0, "nothing was written"
    await give_profile(account, Coverage.GLOBAL)
    assert (await gql(CREATE_ORDER, staff, {"input": order_input(_gid(account))}))["data"]["createOrder"]["errors"] == []


async def test_orders_are_validated_and_default_terms_depend_on_the_coverage(gql: Any, token_for: Any, account: Account) -> None:
    staff = await token_for("staff-1", "admin")
    await give_profile(account, Coverage.GLOBAL)
    await give_profile(account, Coverage.JP)
    bad = _small(account, endDate="2025-12-31", lines=[{"product": "X", "monthlyAmount": "1.001"}])
    errors = (await gql(CREATE_ORDER, staff, {"input": bad}))["data"]["createOrder"]["errors"]
    assert [e["field"] for e in errors] == ["lines.0.monthlyAmount"]
    bad_term = (await gql(CREATE_ORDER, staff, {"input": _small(account, endDate="2025-12-31")}))["data"]["createOrder"]
    assert [e["field"] for e in bad_term["errors"]] == ["endDate"]
    jp = order_input(_gid(account), coverage="JP", lines=[{"product": "SIM", "monthlyAmount": "1000"}])
    created = (await gql(CREATE_ORDER, staff, {"input": jp}))["data"]["createOrder"]["order"]
    assert created["subscription"]["paymentTerms"] == "EOM_FOLLOWING"
    added = order_input(_gid(account), coverage="JP", subscriptionId=created["subscription"]["id"],
                        lines=[{"product": "SIM2", "monthlyAmount": "500"}])
    again = (await gql(CREATE_ORDER, staff, {"input": added}))["data"]["createOrder"]["order"]
    assert again["subscription"]["id"] == created["subscription"]["id"] and again["number"] != created["number"]


async def test_the_customer_sets_a_po_or_files_an_exemption_on_their_own_subscription(
    gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    staff = await token_for("staff-1", "admin")
    await give_profile(account, Coverage.GLOBAL)
    created = (await gql(CREATE_ORDER, staff, {"input": order_input(_gid(account), poRequired=True)}))["data"]["createOrder"]
    subscription = created["order"]["subscription"]
    assert subscription["onHold"] is True
    owner = await token_for("owner", "billing:read billing:write")
    viewer = await token_for("viewer", "billing:read billing:write")
    intruder = await token_for("intruder", "billing:read billing:write")
    refused = await gql(SET_PO, viewer, {"id": subscription["id"], "po": "PO-1"})
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(SET_PO, intruder, {"id": subscription["id"], "po": "PO-1"}))["data"]["setPurchaseOrderNumber"]["errors"][0]["code"] == "NOT_FOUND"
    done = (await gql(SET_PO, owner, {"id": subscription["id"], "po": " PO-1 "}))["data"]["setPurchaseOrderNumber"]
    assert done["subscription"] == {"id": subscription["id"], "poNumber": "PO-1", "onHold": False}
    cleared = (await gql(SET_PO, owner, {"id": subscription["id"], "po": None}))["data"]["setPurchaseOrderNumber"]
    assert cleared["subscription"]["onHold"] is True
    exempt = (await gql(EXEMPT, owner, {"id": subscription["id"]}))["data"]["filePurchaseOrderExemption"]
    assert exempt["subscription"] == {"id": subscription["id"], "poExemptionFiled": True, "onHold": False}
