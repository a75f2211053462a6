"""Output types of the orders feature: subscriptions, orders and their lines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from billing.access.caller import INVOICE_READ_SCOPES
from billing.invoicing.holds import hold_reason
from billing.invoicing.invoices import order_lines_by_id, subscriptions_by_id
from billing.invoicing.purchase_orders import is_held
from kit.money import Money
from models.orders import Order, OrderLine, Subscription, order_number
from schema.context import Info
from schema.ids import resolve_int_nodes
from schema.invoices.enums import HoldReason
from schema.orders.enums import BillingFrequency
from schema.permissions import readable_by
from schema.types.enums import Coverage, Currency, PaymentTerms, TaxCategory
from schema.types.money import MoneyType


def _plain(value: Decimal) -> Decimal:
    """Without the column's trailing zeros, never in exponent form (0.2, 0.5, 100)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


@readable_by(INVOICE_READ_SCOPES)
@strawberry.type(name="OrderLine", description="A product ordered on a subscription; billable from its activation.")
class OrderLineNode(relay.Node):
    id: relay.NodeID[str]
    order_number: str = strawberry.field(description="The order it was booked on.")
    booked_on: date = strawberry.field(description="When the order was booked.")
    product: str = strawberry.field(description="The product.")
    description: str = strawberry.field(description="What it is.")
    monthly_amount: MoneyType = strawberry.field(description="Price per month per unit.")
    quantity: int = strawberry.field(description="Units.")
    tax_category: TaxCategory = strawberry.field(description="JP tax category.")
    pooled: bool = strawberry.field(description="Pooled capacity (never prorated).")
    activated_on: date | None = strawberry.field(description="When it was provisioned; null until then.")
    discount_rate: Decimal = strawberry.field(description="The commitment's discount off list price (0 = none).")
    subscribed_units: int | None = strawberry.field(description="Burstable lines: the subscribed units; null otherwise.")
    burst_unit_hour_price: Decimal | None = strawberry.field(
        description="Burstable lines: list price per unit-hour in the coverage's currency; null otherwise."
    )

    @classmethod
    def from_model(cls, row: OrderLine, order: Order, currency: Currency) -> OrderLineNode:
        price = row.burst_unit_hour_price
        return cls(
            id=str(row.id), order_number=order_number(row.order_id), booked_on=order.booked_on, product=row.product,
            description=row.description, monthly_amount=MoneyType.from_domain(Money(row.monthly_amount, currency)),
            quantity=row.quantity, tax_category=row.tax_category, pooled=row.pooled, activated_on=row.activated_on,
            discount_rate=_plain(row.discount_rate), subscribed_units=row.subscribed_units,
            burst_unit_hour_price=_plain(price) if price is not None else None,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[OrderLineNode | None]:
        """Only the caller's own lines resolve (any for staff)."""
        caller = info.context.caller
        return await resolve_int_nodes(
            node_ids, lambda keys: order_lines_by_id(caller, keys),
            lambda row: cls.from_model(row, row.order, row.subscription.coverage.currency),
        )


@readable_by(INVOICE_READ_SCOPES)
@strawberry.type(name="Subscription", description="A term on one coverage; its orders' lines co-terminate at its end.")
class SubscriptionNode(relay.Node):
    id: relay.NodeID[str]
    coverage: Coverage = strawberry.field(description="JP or GLOBAL.")
    term_start: date = strawberry.field(description="First day of the term.")
    term_end: date = strawberry.field(description="Last day of the term (every line co-terminates here).")
    billing_frequency: BillingFrequency = strawberry.field(description="How often it is invoiced.")
    payment_terms: PaymentTerms = strawberry.field(description="The terms of its invoices.")
    po_number: str | None = strawberry.field(description="The PO number put on invoices issued from now on.")
    po_required: bool = strawberry.field(description="Whether invoices need a PO number (or an exemption).")
    po_exemption_filed: bool = strawberry.field(description="Whether the PO exemption form is on file.")
    on_hold: bool = strawberry.field(
        description="True while invoices are held for want of a PO or an exemption (see `holdReason` for all holds)."
    )
    model: strawberry.Private[Subscription]

    @classmethod
    def from_model(cls, row: Subscription) -> SubscriptionNode:
        return cls(
            id=str(row.id), coverage=row.coverage, term_start=row.term_start, term_end=row.term_end,
            billing_frequency=row.billing_frequency, payment_terms=row.payment_terms, po_number=row.po_number,
            po_required=row.po_required, po_exemption_filed=row.po_exemption_filed_at is not None,
            on_hold=is_held(row), model=row,
        )

    @strawberry.field(
        description="Why charges due on it would not be invoiced today, or null: its coverage has no payment method, "
        "or it needs a PO and has neither a PO nor an exemption."
    )
    async def hold_reason(self, info: Info) -> HoldReason | None:
        payer = await info.context.loaders.coverage_payers.load((self.model.account_id, self.model.coverage))
        return hold_reason(self.model, payer)

    @strawberry.field(description="The lines of all its orders, by order.")
    async def lines(self, info: Info) -> list[OrderLineNode]:
        rows = await info.context.loaders.subscription_lines.load(self.model.id)
        currency = self.model.coverage.currency
        return [OrderLineNode.from_model(row, row.order, currency) for row in rows]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SubscriptionNode | None]:
        """Only the caller's own subscriptions resolve (any for staff)."""
        caller = info.context.caller
        return await resolve_int_nodes(node_ids, lambda keys: subscriptions_by_id(caller, keys), cls.from_model)


@strawberry.type(name="Order", description="An order booked on a subscription.")
class OrderType:
    number: str = strawberry.field(description="The order number shown on invoice lines.")
    booked_on: date = strawberry.field(description="When it was booked.")
    subscription: SubscriptionNode = strawberry.field(description="The subscription it belongs to.")
    lines: list[OrderLineNode] = strawberry.field(description="Its lines (activate them by id).")


def order_type(order: Order, subscription: Subscription, lines: list[OrderLine]) -> OrderType:
    currency = subscription.coverage.currency
    return OrderType(
        number=order.number, booked_on=order.booked_on, subscription=SubscriptionNode.from_model(subscription),
        lines=[OrderLineNode.from_model(row, order, currency) for row in lines],
    )
