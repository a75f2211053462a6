"""Payloads of the invoices mutations."""

from __future__ import annotations

import strawberry

from schema.errors import Payload
from schema.invoices.run_report import BillingRunReport
from schema.invoices.types import InvoiceNode


@strawberry.type(description="The result of runBilling.")
class RunBillingPayload(Payload):
    report: BillingRunReport | None = strawberry.field(description="What the run did.")


@strawberry.type(description="The result of recordPayment or voidInvoice.")
class InvoicePayload(Payload):
    invoice: InvoiceNode | None = strawberry.field(description="The invoice after the change.")
