"""Money as the API shows it: ``{ amount, currency }``."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from kit.money import Currency, Money, from_minor_units

CurrencyEnum = strawberry.enum(Currency, name="Currency", description="A billing currency (ISO 4217).")


@strawberry.type(name="Money", description="An exact amount in one currency.")
class MoneyType:
    amount: Decimal = strawberry.field(description="The amount, with the currency's decimals (JPY 0, USD 2).")
    currency: CurrencyEnum = strawberry.field(description="The currency.")  # type: ignore[valid-type]

    @classmethod
    def from_domain(cls, money: Money) -> MoneyType:
        """Shown with exactly the currency's decimals (``38400`` JPY, ``12.50`` USD),
        whatever scale the database column keeps; a value that is not a whole
        number of minor units is an error, never silently rounded."""
        return cls(amount=from_minor_units(money.minor_units(), money.currency), currency=money.currency)
