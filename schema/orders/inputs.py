"""Inputs of the orders mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from schema.orders.enums import BillingFrequency
from schema.types.enums import Coverage, PaymentTerms, TaxCategory


@strawberry.input(description="One product on an order.")
class OrderLineInput:
    product: str = strawberry.field(description="The product name.")
    description: str = strawberry.field(default="", description="What it is, as shown on invoices.")
    monthly_amount: Decimal = strawberry.field(description="Price per month per unit, in the coverage's currency.")
    quantity: int = strawberry.field(default=1, description="Units (at least 1).")
    tax_category: TaxCategory = strawberry.field(
        default=TaxCategory.STANDARD, description="JP tax category (STANDARD by default)."
    )
    pooled: bool = strawberry.field(default=False, description="Pooled capacity: never prorated.")
    discount_rate: Decimal = strawberry.field(
        default=Decimal(0),
        description="The commitment's discount off list price (0 <= rate < 1, e.g. 0.2); overage gets the same.",
    )
    subscribed_units: int | None = strawberry.field(
        default=None, description="Burstable lines: the subscribed units (bursting may reach twice this)."
    )
    burst_unit_hour_price: Decimal | None = strawberry.field(
        default=None, description="Burstable lines: list price of one unit for one hour, in the coverage's currency."
    )


@strawberry.input(description="Staff: an order for a new subscription, or added to an existing one.")
class CreateOrderInput:
    account_id: relay.GlobalID = strawberry.field(description="The customer account.")
    coverage: Coverage = strawberry.field(description="JP or GLOBAL.")
    booked_on: date = strawberry.field(description="The booking date (starts the 15-day rule).")
    lines: list[OrderLineInput] = strawberry.field(description="The products ordered.")
    subscription_id: relay.GlobalID | None = strawberry.field(default=None, description="Add to this subscription; omit for a new one.")
    start_date: date | None = strawberry.field(default=None, description="New subscription: the term start.")
    end_date: date | None = strawberry.field(default=None, description="New subscription: the term end.")
    billing_frequency: BillingFrequency | None = strawberry.field(
        default=None, description="New subscription: how often it is invoiced."
    )
    payment_terms: PaymentTerms | None = strawberry.field(
        default=None, description="New subscription: EOM_FOLLOWING on JP, NET_30 on GLOBAL by default."
    )
    po_number: str | None = strawberry.field(default=None, description="New subscription: the PO number for its invoices.")
    po_required: bool = strawberry.field(default=False, description="New subscription: invoices need a PO or an exemption.")
    country: str | None = strawberry.field(
        default=None, description="The customer's country for the card rule; the invoice profile's country by default."
    )


@strawberry.input(description="Staff: a line was provisioned.")
class ActivateOrderLineInput:
    line_id: relay.GlobalID = strawberry.field(description="The order line.")
    activated_on: date = strawberry.field(description="The provisioning date: billable from this day.")


@strawberry.input(description="Set or clear the PO number of a subscription's future invoices.")
class SetPurchaseOrderNumberInput:
    subscription_id: relay.GlobalID = strawberry.field(description="The subscription.")
    po_number: str | None = strawberry.field(description="The PO number; null or blank clears it.")


@strawberry.input(description="File the PO exemption form (POs are not the customer's standard process).")
class FilePurchaseOrderExemptionInput:
    subscription_id: relay.GlobalID = strawberry.field(description="The subscription.")
