"""What billing runs could not do: one row per billing unit that failed unexpectedly,
so staff see it after the run (the run itself goes on with the other units)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class BillingFailure(Model):
    id = fields.IntField(primary_key=True)
    as_of = fields.DateField()
    subscription_ids: fields.JSONField[list[int]] = fields.JSONField()
    error = fields.CharField(max_length=1000)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "billing_failures"
