"""After a merge, one invoice pays both coverages: one number, one bill-to, one due
date, one email; lines grouped by coverage, each currency with its own subtotal,
tax per rate and total. After an unmerge, the next run issues separate invoices."""

from __future__ import annotations

from typing import Any

from billing.documents.renderer import DocumentRenderer
from billing.policy import BillingPolicy
from models.accounts import Account
from models.outbox import OutboxMessage
from notifications.smtp import SmtpServer
from notifications.worker import Worker, WorkerConfig
from schema.ids import global_id
from tests.support.documents import pdf_text
from tests.support.invoicing_gql import ACTIVATE, CREATE_ORDER, RUN, order_input
from tests.support.payment import MERGE, OWNER_SCOPES, UNMERGE, invoice_coverage, payload

MERGED_INVOICE = """
query One($number: String!) { invoice(number: $number) {
  number coverage currency total { amount } subtotal { amount } poNumber dueDate paymentTerms
  coverages totals { amount currency }
  groups { coverage currency subtotal { amount currency } taxTotal { amount currency } total { amount currency }
           lines { coverage product amount { amount currency } poNumber }
           taxes { coverage taxCategory taxableAmount { amount currency } taxAmount { amount currency } } }
  lines { coverage product }
  billTo { companyName billingEmail }
  notification { status recipients }
} }
"""


async def _order(gql: Any, staff: str, account: Account, coverage: str, line: dict[str, str], **extra: Any) -> None:
    data = order_input(
        global_id("Account", account.id), coverage=coverage, bookedOn="2026-01-01", startDate="2026-01-01",
        endDate="2026-12-31", billingFrequency="MONTHLY_IN_ADVANCE", lines=[line], **extra,
    )
    created = payload(await gql(CREATE_ORDER, staff, {"input": data}), "createOrder")
    assert created["errors"] == [], created
    for row in created["order"]["lines"]:
        activated = payload(await gql(ACTIVATE, staff, {"id": row["id"], "on": "2026-01-01"}), "activateOrderLine")
        assert activated["errors"] == []


async def test_merged_coverages_get_one_invoice_with_a_group_per_currency_and_one_email(
    gql: Any, token_for: Any, account: Account, smtp_sink: Any
) -> None:
    await invoice_coverage(gql, token_for, "JP")
    owner = await token_for("owner", OWNER_SCOPES)
    merged = payload(await gql(MERGE, owner, {"from": "JP", "into": "GLOBAL"}), "mergeInvoicePayment")
    assert merged["errors"] == [] and merged["paymentSettings"]["invoiceProfile"]["coverages"] == ["JP", "GLOBAL"]
    staff = await token_for("staff-1", "admin")
    await _order(gql, staff, account, "JP", {"product": "SIM", "monthlyAmount": "10000"}, poNumber="PO-JP")
    await _order(gql, staff, account, "GLOBAL", {"product": "Compute", "monthlyAmount": "100.00"})

    report = payload(await gql(RUN, staff, {"asOf": "2026-01-01"}), "runBilling")["report"]
    assert report["issued"] == ["JP-2026-000001"], "one invoice, numbered in the profile's (JP) sequence"

    invoice = (await gql(MERGED_INVOICE, owner, {"number": "JP-2026-000001"}))["data"]["invoice"]
    assert invoice["coverages"] == ["JP", "GLOBAL"]
    assert invoice["totals"] == [{"amount": "11000", "currency": "JPY"}, {"amount": "100.00", "currency": "USD"}]
    assert (invoice["currency"], invoice["total"], invoice["subtotal"]) == (None, None, None)
    jp, glob = invoice["groups"]
    assert (jp["coverage"], jp["currency"], jp["subtotal"], jp["taxTotal"], jp["total"]) == (
        "JP", "JPY", {"amount": "10000", "currency": "JPY"}, {"amount": "1000", "currency": "JPY"},
        {"amount": "11000", "currency": "JPY"},
    )
    assert jp["lines"] == [{"coverage": "JP", "product": "SIM", "amount": {"amount": "10000", "currency": "JPY"},
                            "poNumber": "PO-JP"}]
    assert [(t["coverage"], t["taxCategory"], t["taxAmount"]["amount"]) for t in jp["taxes"]] == [
        ("JP", "STANDARD", "1000")
    ]
    assert (glob["coverage"], glob["currency"], glob["taxes"], glob["total"]) == (
        "GLOBAL", "USD", [], {"amount": "100.00", "currency": "USD"}
    )
    assert glob["lines"][0]["poNumber"] is None and invoice["poNumber"] is None, "the POs differ: each line names its own"
    assert invoice["lines"] == [{"coverage": "JP", "product": "SIM"}, {"coverage": "GLOBAL", "product": "Compute"}]
    assert invoice["billTo"] == {"companyName": "Acme IoT K.K.", "billingEmail": "billing@acme.example"}
    # JP is on EOM_FOLLOWING (due 2026-02-28), GLOBAL on NET_30 (due 2026-01-31): the earlier date holds.
    assert (invoice["dueDate"], invoice["paymentTerms"]) == ("2026-01-31", "NET_30")

    assert await OutboxMessage.filter(kind="invoice_issued").count() == 1
    await DocumentRenderer(BillingPolicy()).drain()  # the worker renders each invoice's PDF, which its email carries
    worker = Worker(WorkerConfig(mail_from="billing@portal.test"), SmtpServer.from_url(smtp_sink.url))
    await worker.drain()
    (mail,) = [r for r in smtp_sink.received if "JP-2026-000001" in str(r.message["Subject"])]
    assert sorted(mail.recipients) == ["billing@acme.example", "cfo@acme.example"]
    body = mail.message.get_body(("plain",)).get_content()
    assert "JP-2026-000001" in body and "11,000" in body and "$100.00" in body
    (document,) = list(mail.message.iter_attachments())  # one document: a section per coverage and currency
    shown = pdf_text(document.get_content())
    assert "JP-2026-000001" in shown and "11,000" in shown and "$100.00" in shown

    # Unmerged, GLOBAL gets its own copy of the profile; the next run bills each coverage alone.
    separated = payload(await gql(UNMERGE, owner, {"coverage": "GLOBAL"}), "unmergeInvoicePayment")
    assert separated["errors"] == []
    later = payload(await gql(RUN, staff, {"asOf": "2026-02-01"}), "runBilling")["report"]
    assert sorted(later["issued"]) == ["GL-2026-000001", "JP-2026-000002"]
    before = (await gql(MERGED_INVOICE, owner, {"number": "JP-2026-000001"}))["data"]["invoice"]
    assert before["coverages"] == ["JP", "GLOBAL"], "an invoice issued before the unmerge stays as it was"
    for number, coverage in (("JP-2026-000002", "JP"), ("GL-2026-000001", "GLOBAL")):
        alone = (await gql(MERGED_INVOICE, owner, {"number": number}))["data"]["invoice"]
        assert alone["coverages"] == [coverage] and alone["total"] is not None and len(alone["groups"]) == 1
    assert await OutboxMessage.filter(kind="invoice_issued").count() == 3
