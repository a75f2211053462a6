"""Subscriptions, the orders booked on them and their lines (with activation).

In production these rows come from the order and provisioning systems; here staff
record them. No business decisions live here: see ``billing.invoicing.orders``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.coverage import Coverage
from models.terms import BillingFrequency, PaymentTerms, TaxCategory

if TYPE_CHECKING:
    from models.accounts import Account
    from models.invoices import BilledCharge

AMOUNT_DIGITS = 18
AMOUNT_DECIMALS = 2
RATE_DECIMALS = 4
UNIT_PRICE_DECIMALS = 6


class Subscription(Model):
    """One account's term on one coverage: every line co-terminates on ``term_end``.

    ``po_revision`` grows whenever the PO state changes, so a hold notice is sent
    once per hold (its dedup key names the revision).
    """

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="subscriptions", on_delete=fields.CASCADE
    )
    account_id: UUID
    coverage = fields.CharEnumField(Coverage, max_length=10)
    term_start = fields.DateField()
    term_end = fields.DateField()
    billing_frequency = fields.CharEnumField(BillingFrequency, max_length=24)
    payment_terms = fields.CharEnumField(PaymentTerms, max_length=16)
    po_number = fields.CharField(max_length=100, null=True)
    po_required = fields.BooleanField(default=False)
    po_exemption_filed_at = fields.DatetimeField(null=True)
    po_revision = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    orders: fields.ReverseRelation[Order]

    class Meta:
        table = "subscriptions"


class Order(Model):
    """An order booked on a date, adding lines to a subscription."""

    id = fields.IntField(primary_key=True)
    subscription: fields.ForeignKeyRelation[Subscription] = fields.ForeignKeyField(
        "portal.Subscription", related_name="orders", db_index=True, on_delete=fields.CASCADE
    )
    subscription_id: int
    booked_on = fields.DateField()
    created_by = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    lines: fields.ReverseRelation[OrderLine]

    class Meta:
        table = "orders"

    @property
    def number(self) -> str:
        """The order number customers see on invoices."""
        return order_number(self.id)


def order_number(order_id: int) -> str:
    return f"ORD-{order_id:06d}"


class OrderLine(Model):
    """A product on an order: billable from ``activated_on`` (None until provisioned).

    ``monthly_amount`` x ``quantity`` is the monthly commitment actually paid; its
    list value is that / (1 - ``discount_rate``). A line with ``subscribed_units``
    and ``burst_unit_hour_price`` may burst up to twice its subscribed units.
    """

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "portal.Order", related_name="lines", db_index=True, on_delete=fields.CASCADE
    )
    order_id: int
    subscription: fields.ForeignKeyRelation[Subscription] = fields.ForeignKeyField(
        "portal.Subscription", related_name="lines", db_index=True, on_delete=fields.CASCADE
    )
    subscription_id: int
    position = fields.SmallIntField()
    product = fields.CharField(max_length=100)
    description = fields.CharField(max_length=500)
    monthly_amount = fields.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)
    quantity = fields.IntField()
    tax_category = fields.CharEnumField(TaxCategory, max_length=10)
    pooled = fields.BooleanField(default=False)
    activated_on = fields.DateField(null=True)
    # The commitment's discount off list price (0 <= rate < 1); overage gets the same.
    discount_rate = fields.DecimalField(
        max_digits=RATE_DECIMALS + 1, decimal_places=RATE_DECIMALS, default=Decimal(0), db_default=Decimal(0)
    )
    # Burstable lines only: the subscribed units, and the list price of one unit for one hour above them.
    subscribed_units = fields.IntField(null=True)
    burst_unit_hour_price = fields.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=UNIT_PRICE_DECIMALS, null=True)

    billed: fields.ReverseRelation[BilledCharge]

    class Meta:
        table = "order_lines"
