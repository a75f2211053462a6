"""Inputs of the invoices mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay


@strawberry.input(description="Staff: issue everything due on a day.")
class RunBillingInput:
    as_of: date = strawberry.field(description="The billing date (invoices are dated this day).")


@strawberry.input(description="Staff: an invoice was paid.")
class RecordPaymentInput:
    invoice_id: relay.GlobalID = strawberry.field(description="The invoice.")
    paid_on: date = strawberry.field(description="When the payment arrived.")


@strawberry.input(description="Staff: cancel an issued invoice.")
class VoidInvoiceInput:
    invoice_id: relay.GlobalID = strawberry.field(description="The invoice.")
    reason: str = strawberry.field(description="Why it is void.")
