"""The list price per unit-hour of each product, with effective dates. The price
in force at an hour is the latest entry effective at or before it (for the
product and currency); bursting and post-term use are billed at it."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from kit.money import Currency
from models.orders import AMOUNT_DIGITS, UNIT_PRICE_DECIMALS


class ListPrice(Model):
    """The list price of one unit of ``product`` for one hour, in ``currency``, from
    ``effective_from`` (the start of a UTC hour) until the next entry's."""

    id = fields.IntField(primary_key=True)
    product = fields.CharField(max_length=100)
    currency = fields.CharEnumField(Currency, max_length=3)
    unit_hour_price = fields.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=UNIT_PRICE_DECIMALS)
    effective_from = fields.DatetimeField()
    set_by = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "list_prices"
        unique_together = (("product", "currency", "effective_from"),)
