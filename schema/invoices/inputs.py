"""Inputs of the invoices mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay


@strawberry.input(description="Staff: issue everything due today.")
class RunBillingInput:
    as_of: date | None = strawberry.field(
        default=None,
        description="The billing date, which invoices are dated: omit it (or give today) for today. Another day "
        "is refused (AS_OF_NOT_TODAY) except in development, where a run may simulate any day.",
    )


@strawberry.input(description="Staff: an invoice was paid.")
class RecordPaymentInput:
    invoice_id: relay.GlobalID = strawberry.field(description="The invoice.")
    paid_on: date = strawberry.field(description="When the payment arrived.")


@strawberry.input(description="Staff: cancel an issued invoice.")
class VoidInvoiceInput:
    invoice_id: relay.GlobalID = strawberry.field(description="The invoice.")
    reason: str = strawberry.field(description="Why it is void.")
