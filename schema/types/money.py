"""Money as the API shows it: ``{ amount, currency }``."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from kit.money import Money, from_minor_units
from schema.types.enums import Currency

_QUANTUM = {currency: currency.quantum for currency in Currency}
_ZERO = {currency: from_minor_units(0, currency) for currency in Currency}


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

    @classmethod
    def of(cls, amount: Decimal, currency: Currency) -> MoneyType:
        """``from_domain(Money(amount, currency))`` for a ``Decimal`` read from the
        database, without the intermediate objects (the read path shows thousands):
        the same exact amount with exactly the currency's decimals, the same error
        when it is not a whole number of minor units."""
        if type(amount) is not Decimal or not amount.is_finite():
            return cls.from_domain(Money(amount, currency))
        shown = amount.quantize(_QUANTUM[currency])
        if shown != amount:
            raise ValueError(f"{amount} is not a whole number of {currency.value} minor units")
        return cls(amount=shown if shown else _ZERO[currency], currency=currency)
