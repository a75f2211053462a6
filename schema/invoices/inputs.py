"""Inputs of the invoices queries and mutations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from billing.invoicing.search import InvoiceOrder, InvoiceSearch
from schema.ids import pk_of
from schema.invoices.enums import DisplayStatus, OrderDirection, OrderField
from schema.types.enums import Coverage


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
    description="Narrow a list of invoices; all given conditions apply together, bounds are inclusive. Partners "
    "sync with `updatedSince` (or, better, the change feed `invoiceEvents`); the issue date, amount and "
    "counterparty conditions are the search Japan's electronic bookkeeping act asks for."
)
class InvoiceFilter:
    coverage: Coverage | None = strawberry.field(default=None, description="Invoices numbered in this coverage.")
    status: list[DisplayStatus] | None = strawberry.field(
        default=None, description="Invoices showing any of these statuses today (PAST_DUE: issued and past due)."
    )
    issued_from: date | None = strawberry.field(default=None, description="Issued on or after this day.")
    issued_to: date | None = strawberry.field(default=None, description="Issued on or before this day.")
    due_from: date | None = strawberry.field(default=None, description="Due on or after this day.")
    due_to: date | None = strawberry.field(default=None, description="Due on or before this day.")
    total_from: Decimal | None = strawberry.field(
        default=None, description="A total of at least this amount (in the invoice's currency; an invoice of two "
        "currencies has no single total and is left out when an amount is given)."
    )
    total_to: Decimal | None = strawberry.field(default=None, description="A total of at most this amount.")
    counterparty: str | None = strawberry.field(
        default=None, description="Part of the recipient's company name as it was at issue, any case."
    )
    subscription_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Invoices billing this subscription (on an invoice of merged coverages, one of "
        "those it bills). An id that is not one of your subscriptions matches nothing."
    )
    po_number: str | None = strawberry.field(
        default=None, description="Invoices carrying this PO number, exactly: the invoice's or one of its lines'."
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Invoices that changed (were issued, paid, voided or became past due) at or "
        "after this instant. Keep the `updatedAt` of the last invoice you read and ask again with it."
    )

    def to_domain(self) -> InvoiceSearch:
        # Another type's id, or a malformed one, names no subscription (0).
        subscription = pk_of(self.subscription_id, "Subscription") if self.subscription_id is not None else None
        return InvoiceSearch(
            issued_from=self.issued_from, issued_to=self.issued_to, total_from=self.total_from,
            total_to=self.total_to, counterparty=self.counterparty, coverage=self.coverage,
            statuses=tuple(self.status or ()), due_from=self.due_from, due_to=self.due_to,
            subscription_id=subscription, po_number=self.po_number, updated_since=self.updated_since,
        )


@strawberry.input(description="How to sort a list of invoices (newest issue date first when not given).")
class InvoiceOrderInput:
    field: OrderField = strawberry.field(default=OrderField.ISSUE_DATE, description="What to sort by.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.DESC, description="Which way.")

    def to_domain(self) -> InvoiceOrder:
        return InvoiceOrder(self.field, self.direction is OrderDirection.DESC)
