"""Exact money: currencies, amounts and rounding to the minor unit.

Amounts are ``Decimal`` (or ``int`` minor units at the storage edge), never floats:
every public function here raises ``TypeError`` when handed a float.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from fractions import Fraction

__all__ = [
    "Currency",
    "Money",
    "from_minor_units",
    "quantize_half_up",
    "to_minor_units",
]


class Currency(Enum):
    """Billing currencies: JP coverage bills in JPY, GLOBAL in USD."""

    JPY = "JPY"
    USD = "USD"

    @property
    def minor_digits(self) -> int:
        """Number of decimals of the minor unit (ISO 4217 exponent): JPY 0, USD 2."""
        return _MINOR_DIGITS[self]

    @property
    def exponent(self) -> int:
        """Alias of ``minor_digits`` (the ISO 4217 name)."""
        return self.minor_digits

    @property
    def quantum(self) -> Decimal:
        """The minor unit as a Decimal: ``1`` for JPY, ``0.01`` for USD."""
        return Decimal(1).scaleb(-self.minor_digits)


_MINOR_DIGITS = {Currency.JPY: 0, Currency.USD: 2}


def _reject_float(value: object, what: str) -> None:
    if isinstance(value, float):
        raise TypeError(f"{what} must be Decimal or int, never float (got {value!r})")


def _as_decimal(value: Decimal | int, what: str) -> Decimal:
    """Accept Decimal or int (not bool, not float) and return a finite Decimal."""
    _reject_float(value, what)
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{what} must be Decimal or int, got {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"{what} must be finite, got {amount}")
    return amount


def _round_half_up_fraction(value: Fraction) -> int:
    """Round an exact rational to the nearest integer, halves away from zero."""
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def quantize_half_up(amount: Decimal | Fraction | int, currency: Currency) -> Decimal:
    """Round ``amount`` half-up (halves away from zero) to ``currency``'s minor unit.

    A ``Fraction`` is rounded exactly, so a rational such as 2000 x 11/31 is rounded
    once, with no intermediate decimal rounding.
    """
    _reject_float(amount, "amount")
    if isinstance(amount, Fraction):
        units = _round_half_up_fraction(amount * 10**currency.minor_digits)
        return from_minor_units(units, currency)
    return _as_decimal(amount, "amount").quantize(currency.quantum, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal | int, currency: Currency) -> int:
    """Convert an amount to integer minor units (yen, cents).

    Raises ``ValueError`` if the amount has more decimals than the currency allows:
    round explicitly (``quantize_half_up``) before storing.
    """
    exact = _as_decimal(amount, "amount").scaleb(currency.minor_digits)
    if exact != exact.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of {currency.value} minor units")
    return int(exact)


def from_minor_units(units: int, currency: Currency) -> Decimal:
    """Convert integer minor units to a Decimal amount with the currency's decimals."""
    _reject_float(units, "units")
    if isinstance(units, bool) or not isinstance(units, int):
        raise TypeError(f"units must be int, got {type(units).__name__}")
    return Decimal(units).scaleb(-currency.minor_digits).quantize(currency.quantum)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency. ``int`` amounts are converted to Decimal."""

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _as_decimal(self.amount, "Money.amount"))
        if not isinstance(self.currency, Currency):
            raise TypeError(f"currency must be a Currency, got {self.currency!r}")

    @classmethod
    def zero(cls, currency: Currency) -> Money:
        """Zero in ``currency``, with the currency's decimals (``0.00`` USD)."""
        return cls(from_minor_units(0, currency), currency)

    @classmethod
    def of_minor_units(cls, units: int, currency: Currency) -> Money:
        """Money from integer minor units."""
        return cls(from_minor_units(units, currency), currency)

    def minor_units(self) -> int:
        """This amount in integer minor units (ValueError if not a whole number)."""
        return to_minor_units(self.amount, self.currency)

    def quantized(self) -> Money:
        """This amount rounded half-up to the minor unit."""
        return Money(quantize_half_up(self.amount, self.currency), self.currency)

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency is not self.currency:
            raise ValueError(
                f"currency mismatch: {self.currency.value} and {other.currency.value}"
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same_currency(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same_currency(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency.value}"
