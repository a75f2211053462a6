"""Payloads of the orders mutations."""

from __future__ import annotations

import strawberry

from schema.errors import Payload
from schema.orders.types import OrderLineNode, OrderType, SubscriptionNode


@strawberry.type(description="The result of createOrder.")
class CreateOrderPayload(Payload):
    order: OrderType | None = strawberry.field(description="The order booked.")


@strawberry.type(description="The result of activateOrderLine.")
class ActivateOrderLinePayload(Payload):
    line: OrderLineNode | None = strawberry.field(description="The line, now active.")


@strawberry.type(description="The result of setPurchaseOrderNumber or filePurchaseOrderExemption.")
class SubscriptionPayload(Payload):
    subscription: SubscriptionNode | None = strawberry.field(description="The subscription after the change.")
