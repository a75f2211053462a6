"""Inputs of the invoices mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from billing.invoicing.invoices import InvoiceSearch


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


@strawberry.input(
    description="Narrow a list of invoices: by issue date, amount and counterparty (the search Japan's electronic "
    "bookkeeping act asks for), each a range or part of a name, all given conditions together. Bounds are inclusive."
)
class InvoiceFilter:
    issued_from: date | None = strawberry.field(default=None, description="Issued on or after this day.")
    issued_to: date | None = strawberry.field(default=None, description="Issued on or before this day.")
    total_from: Decimal | None = strawberry.field(
        default=None, description="A total of at least this amount (in the invoice's currency; an invoice of two "
        "currencies has no single total and is left out when an amount is given)."
    )
    total_to: Decimal | None = strawberry.field(default=None, description="A total of at most this amount.")
    counterparty: str | None = strawberry.field(
        default=None, description="Part of the recipient's company name as it was at issue, any case."
    )

    def to_domain(self) -> InvoiceSearch:
        return InvoiceSearch(self.issued_from, self.issued_to, self.total_from, self.total_to, self.counterparty)
