"""Usage of order lines, as the metering systems report it: consumption valued at
list price per day, the units in use per hour on burstable lines, and the units
in use per hour after the subscription's term end. What is billed for them is
decided in ``billing.rules.usage_charges``.

Every record carries the idempotency key its sender chose, unique per order line
(the database refuses a second row with the same key): a retried report is found
by its key instead of being stored twice. Rows stored before keys existed have
none (NULL, which never collides).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.orders import AMOUNT_DECIMALS, AMOUNT_DIGITS

if TYPE_CHECKING:
    from models.orders import OrderLine

IDEMPOTENCY_KEY_LENGTH = 100


def _idempotency_key() -> fields.CharField:
    return fields.CharField(max_length=IDEMPOTENCY_KEY_LENGTH, null=True)


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
    idempotency_key = _idempotency_key()
    recorded_by = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "usage_records"
        indexes = (("order_line_id", "used_on"),)
        unique_together = (("order_line", "idempotency_key"),)


class BurstRecord(Model):
    """One report of the units in use on a burstable line during one hour (UTC),
    above its subscribed units. A later report of the same hour (another key)
    replaces the earlier ones: the hour is billed from its latest report (highest id)."""

    id = fields.IntField(primary_key=True)
    order_line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "portal.OrderLine", related_name="bursts", on_delete=fields.RESTRICT
    )
    order_line_id: int
    hour_start = fields.DatetimeField()
    total_units = fields.IntField()
    idempotency_key = _idempotency_key()
    recorded_by = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "burst_records"
        indexes = (("order_line_id", "hour_start"),)
        unique_together = (("order_line", "idempotency_key"),)


class PostTermRecord(Model):
    """One report of the units of a line in use during one hour (UTC) after its
    subscription's term end, billed at the list price in force at that hour. A
    later report of the same hour (another key) replaces the earlier ones."""

    id = fields.IntField(primary_key=True)
    order_line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "portal.OrderLine", related_name="post_term_usage", on_delete=fields.RESTRICT
    )
    order_line_id: int
    hour_start = fields.DatetimeField()
    units = fields.IntField()
    idempotency_key = _idempotency_key()
    recorded_by = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "post_term_records"
        indexes = (("order_line_id", "hour_start"),)
        unique_together = (("order_line", "idempotency_key"),)
