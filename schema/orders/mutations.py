"""Orders mutations (mixed into the root ``Mutation``). Each reads its input,
calls one use case and maps the result."""

from __future__ import annotations

import strawberry

from billing.access.caller import SCOPE_ADMIN, SCOPE_BILLING_WRITE
from billing.invoicing.orders import (
    LineRequest,
    OrderRequest,
    activate_order_line,
    create_order,
)
from billing.invoicing.purchase_orders import (
    file_purchase_order_exemption,
    set_purchase_order_number,
)
from schema.context import Info
from schema.errors import run_use_case
from schema.ids import NO_ACCOUNT, account_of, pk_of
from schema.orders.inputs import (
    ActivateOrderLineInput,
    CreateOrderInput,
    FilePurchaseOrderExemptionInput,
    SetPurchaseOrderNumberInput,
)
from schema.orders.payloads import (
    ActivateOrderLinePayload,
    CreateOrderPayload,
    SubscriptionPayload,
)
from schema.orders.types import OrderLineNode, SubscriptionNode, order_type
from schema.permissions import requires


def _order_request(data: CreateOrderInput) -> OrderRequest:
    lines = [
        LineRequest(
            product=line.product, description=line.description, monthly_amount=line.monthly_amount,
            quantity=line.quantity, pooled=line.pooled, tax_category=line.tax_category,
            discount_rate=line.discount_rate, subscribed_units=line.subscribed_units,
            burst_unit_hour_price=line.burst_unit_hour_price,
        )
        for line in data.lines
    ]
    return OrderRequest(
        account_id=account_of(data.account_id) or NO_ACCOUNT, coverage=data.coverage, booked_on=data.booked_on,
        lines=lines, subscription_id=pk_of(data.subscription_id, "Subscription") if data.subscription_id else None,
        start_date=data.start_date, end_date=data.end_date, billing_frequency=data.billing_frequency,
        payment_terms=data.payment_terms, po_number=data.po_number, po_required=data.po_required, country=data.country,
    )


@strawberry.type
class OrderMutations:
    @strawberry.mutation(description="Staff: book an order on a new or existing subscription.", extensions=[requires(SCOPE_ADMIN)])
    async def create_order(self, info: Info, input: CreateOrderInput) -> CreateOrderPayload:
        ctx = info.context
        booked, errors = await run_use_case(create_order(ctx.caller, _order_request(input), ctx.billing_policy))
        order = booked and order_type(booked.order, booked.subscription, booked.lines)
        return CreateOrderPayload(order=order, errors=errors)

    @strawberry.mutation(description="Staff: record a line's provisioning date.", extensions=[requires(SCOPE_ADMIN)])
    async def activate_order_line(self, info: Info, input: ActivateOrderLineInput) -> ActivateOrderLinePayload:
        row, errors = await run_use_case(
            activate_order_line(info.context.caller, pk_of(input.line_id, "OrderLine"), input.activated_on)
        )
        line = row and OrderLineNode.from_model(row, row.order, row.subscription.coverage.currency)
        return ActivateOrderLinePayload(line=line, errors=errors)

    @strawberry.mutation(description="Set the PO number of future invoices.", extensions=[requires(SCOPE_BILLING_WRITE)])
    async def set_purchase_order_number(self, info: Info, input: SetPurchaseOrderNumberInput) -> SubscriptionPayload:
        row, errors = await run_use_case(
            set_purchase_order_number(info.context.caller, pk_of(input.subscription_id, "Subscription"), input.po_number)
        )
        return SubscriptionPayload(subscription=row and SubscriptionNode.from_model(row), errors=errors)

    @strawberry.mutation(description="File the PO exemption form for a subscription.", extensions=[requires(SCOPE_BILLING_WRITE)])
    async def file_purchase_order_exemption(
        self, info: Info, input: FilePurchaseOrderExemptionInput
    ) -> SubscriptionPayload:
        row, errors = await run_use_case(
            file_purchase_order_exemption(info.context.caller, pk_of(input.subscription_id, "Subscription"))
        )
        return SubscriptionPayload(subscription=row and SubscriptionNode.from_model(row), errors=errors)
