"""End to end over HTTP: staff book an order, lines activate on different days,
daily runs issue invoices, the emails reach the SMTP server, the customer and a
partner client read the invoices, staff record a payment, PAST_DUE shows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from strawberry import relay

from api.oauth.store import create_client
from billing.documents.renderer import DocumentRenderer
from billing.policy import BillingPolicy
from models.accounts import Account
from models.coverage import Coverage
from notifications.smtp import SmtpServer
from notifications.worker import Worker, WorkerConfig
from tests.support.invoicing import give_profile
from tests.support.invoicing_gql import (
    ACTIVATE,
    CREATE_ORDER,
    INVOICE,
    INVOICES,
    RECORD_PAYMENT,
    RUN,
    SUBSCRIPTIONS,
    order_input,
)


def _gid(account: Account) -> str:
    return str(relay.GlobalID("Account", str(account.id)))


async def _partner_token(client: Any, account: Account) -> str:
    client_id, secret = await create_client(account.id, "ERP", ["invoices:read"])
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def test_orders_become_invoices_emails_payments_and_past_due(
    gql: Any, client: Any, token_for: Any, account: Account, other_account: Account, smtp_sink: Any
) -> None:
    staff = await token_for("staff-1", "admin")
    owner = await token_for("owner", "billing:read")
    await give_profile(account, Coverage.GLOBAL, email="ap@acme.test", ccs=["cfo@acme.test"])

    created = await gql(CREATE_ORDER, staff, {"input": order_input(_gid(account))})
    assert "errors" not in created, created
    order = created["data"]["createOrder"]["order"]
    assert created["data"]["createOrder"]["errors"] == []
    assert order["subscription"]["paymentTerms"] == "NET_30"
    compute, storage = (line["id"] for line in order["lines"])
    for line_id, day in ((compute, "2026-01-06"), (storage, "2026-01-27")):
        activated = await gql(ACTIVATE, staff, {"id": line_id, "on": day})
        assert activated["data"]["activateOrderLine"]["errors"] == []

    issued: dict[str, list[str]] = {}
    day = date(2026, 1, 5)
    while day <= date(2026, 2, 1):
        body = await gql(RUN, staff, {"asOf": day.isoformat()})
        if numbers := body["data"]["runBilling"]["report"]["issued"]:
            issued[day.isoformat()] = numbers
        day += timedelta(days=1)
    assert issued == {"2026-01-20": ["GL-2026-000001"], "2026-01-27": ["GL-2026-000002"], "2026-02-01": ["GL-2026-000003"]}

    first = (await gql(INVOICE, owner, {"number": "GL-2026-000001"}))["data"]["invoice"]
    assert first["lines"] == [{
        "orderNumber": order["number"], "product": "Compute", "description": "OCPU",
        "periodStart": "2026-01-06", "periodEnd": "2026-01-31", "amount": {"amount": "2600.00", "currency": "USD"},
    }]
    assert (first["issueDate"], first["dueDate"], first["status"]) == ("2026-01-20", "2026-02-19", "PAST_DUE")
    assert first["taxes"] == [] and first["total"] == {"amount": "2600.00", "currency": "USD"}
    assert first["billTo"]["billingEmail"] == "ap@acme.test"
    assert first["notification"]["status"] == "PENDING"
    third = (await gql(INVOICE, owner, {"number": "GL-2026-000003"}))["data"]["invoice"]
    assert [(l["product"], l["amount"]["amount"]) for l in third["lines"]] == [("Compute", "3100.00"), ("Storage", "310.00")]

    await DocumentRenderer(BillingPolicy()).drain()  # the worker renders each invoice's PDF, which its email carries
    worker = Worker(WorkerConfig(mail_from="billing@portal.test"), SmtpServer.from_url(smtp_sink.url))
    await worker.drain()
    assert sorted(r.message["Subject"].split()[1] for r in smtp_sink.received) == [
        "GL-2026-000001", "GL-2026-000002", "GL-2026-000003"
    ]
    assert all(sorted(r.recipients) == ["ap@acme.test", "cfo@acme.test"] for r in smtp_sink.received)
    sent = (await gql(INVOICE, owner, {"number": "GL-2026-000001"}))["data"]["invoice"]["notification"]
    assert sent["status"] == "SENT" and sent["sentAt"]

    partner = await _partner_token(client, account)
    listed = (await gql(INVOICES, partner, {}))["data"]["invoices"]["edges"]
    assert [e["node"]["number"] for e in listed] == ["GL-2026-000003", "GL-2026-000002", "GL-2026-000001"]
    intruder = await token_for("intruder", "billing:read")
    assert (await gql(INVOICE, intruder, {"number": "GL-2026-000001"}))["data"]["invoice"] is None
    assert (await gql(INVOICES, intruder, {}))["data"]["invoices"]["edges"] == []

    paid = await gql(RECORD_PAYMENT, staff, {"id": first["id"], "on": "2026-02-10"})
    assert paid["data"]["recordPayment"]["invoice"] == {"number": "GL-2026-000001", "status": "PAID", "paidOn": "2026-02-10"}
    again = await gql(RECORD_PAYMENT, staff, {"id": first["id"], "on": "2026-02-11"})
    assert again["data"]["recordPayment"]["errors"][0]["code"] == "INVOICE_NOT_OPEN"
    past_due = (await gql(INVOICES, owner, {"status": "PAST_DUE"}))["data"]["invoices"]["edges"]
    assert [e["node"]["number"] for e in past_due] == ["GL-2026-000003", "GL-2026-000002"]
    subs = (await gql(SUBSCRIPTIONS, owner))["data"]["subscriptions"]["edges"]
    assert [l["activatedOn"] for l in subs[0]["node"]["lines"]] == ["2026-01-06", "2026-01-27"]
