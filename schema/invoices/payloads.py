"""Payloads of the invoicing mutations."""

from __future__ import annotations

from datetime import date

import strawberry

from schema.errors import PAYLOAD_ERRORS, UserError
from schema.invoices.invoice_types import InvoiceNode
from schema.invoices.subscription_types import (
    OrderLineNode,
    OrderType,
    SubscriptionNode,
)


@strawberry.type(description="The result of createOrder.")
class CreateOrderPayload:
    order: OrderType | None = strawberry.field(description="The order booked.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The result of activateOrderLine.")
class ActivateOrderLinePayload:
    line: OrderLineNode | None = strawberry.field(description="The line, now active.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="What one billing run did.")
class BillingRunReport:
    as_of: date = strawberry.field(description="The billing date.")
    issued: list[str] = strawberry.field(description="Numbers of the invoices issued.")
    held: list[strawberry.ID] = strawberry.field(description="Subscriptions held for want of a PO or an exemption.")
    declined: list[str] = strawberry.field(description="Invoices whose card charge was declined.")
    claimed_elsewhere: int = strawberry.field(description="Subscriptions another worker was billing at the time.")


@strawberry.type(description="The result of runBilling.")
class RunBillingPayload:
    report: BillingRunReport | None = strawberry.field(description="What the run did.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The result of recordPayment or voidInvoice.")
class InvoicePayload:
    invoice: InvoiceNode | None = strawberry.field(description="The invoice after the change.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The result of setPurchaseOrderNumber or filePurchaseOrderExemption.")
class SubscriptionPayload:
    subscription: SubscriptionNode | None = strawberry.field(description="The subscription after the change.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)
