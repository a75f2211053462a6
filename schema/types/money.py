"""Money as the API shows it: ``{ amount, currency }``."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from kit.money import Money, from_minor_units
from schema.types.enums import Currency


@strawberry.type(name="Money", description="An exact amount in one currency.")
class MoneyType:
    amount: Decimal = strawberry.field(description="The amount, with the currency's decimals (JPY 0, USD 2).")
    currency: Currency = strawberry.field(description="The currency.")

    @classmethod
    def from_domain(cls, money: Money) -> MoneyType:
        """Shown with exactly the currency's decimals (``38400`` JPY, ``12.50`` USD),
        whatever scale the database column keeps; a value that is not a whole
        number of minor units is an error, never silently rounded."""
        return cls(amount=from_minor_units(money.minor_units(), money.currency), currency=money.currency)
