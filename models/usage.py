"""Usage of order lines, as the metering systems report it: consumption valued at
list price per day, and the units in use per hour on burstable lines. What is
billed for them is decided in ``billing.rules.usage_charges``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.orders import AMOUNT_DECIMALS, AMOUNT_DIGITS

if TYPE_CHECKING:
    from models.orders import OrderLine


class UsageRecord(Model):
    """Consumption on one day, valued at list price (pay-as-you-go, or drawn
    against the line's commitment). Several records on one day add up."""

    id = fields.IntField(primary_key=True)
    order_line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "portal.OrderLine", related_name="usage", on_delete=fields.RESTRICT
    )
    order_line_id: int
    used_on = fields.DateField()
    list_amount = fields.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)
    recorded_by = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "usage_records"
        indexes = (("order_line_id", "used_on"),)


class BurstRecord(Model):
    """The units in use on a burstable line during one hour (UTC), above its
    subscribed units. One per line and hour: a second report replaces it."""

    id = fields.IntField(primary_key=True)
    order_line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "portal.OrderLine", related_name="bursts", on_delete=fields.RESTRICT
    )
    order_line_id: int
    hour_start = fields.DatetimeField()
    total_units = fields.IntField()
    recorded_by = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "burst_records"
        unique_together = (("order_line", "hour_start"),)
