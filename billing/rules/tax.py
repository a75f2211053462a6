"""Consumption tax (JP coverage): one computation per rate per invoice.

Tax is computed once per rate on that rate's subtotal and rounded once (default:
down, i.e. toward zero). Summing per-line rounded taxes is wrong under the
qualified-invoice rules and is deliberately not offered here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from enum import Enum

from kit.money import Currency, from_minor_units, to_minor_units
from models.terms import TaxCategory

__all__ = [
    "TaxBreakdown",
    "TaxCategory",
    "TaxRounding",
    "compute_taxes",
    "rate_of",
    "total_tax",
]


_RATES = {
    TaxCategory.STANDARD: Decimal("0.10"),
    TaxCategory.REDUCED: Decimal("0.08"),
    TaxCategory.EXEMPT: Decimal("0"),
}


def rate_of(category: TaxCategory) -> Decimal:
    """The consumption tax rate of ``category`` as an exact fraction: 0.10, 0.08 or 0."""
    return _RATES[category]


class TaxRounding(Enum):
    """How a rate's tax is rounded to the minor unit (symmetric around zero)."""

    DOWN = "DOWN"
    HALF_UP = "HALF_UP"
    UP = "UP"

    @property
    def decimal_rounding(self) -> str:
        """The matching ``decimal`` rounding mode."""
        return _ROUNDING[self]


_ROUNDING = {
    TaxRounding.DOWN: ROUND_DOWN,
    TaxRounding.HALF_UP: ROUND_HALF_UP,
    TaxRounding.UP: ROUND_UP,
}


@dataclass(frozen=True, slots=True)
class TaxBreakdown:
    """Subtotal and tax of one rate on one invoice."""

    category: TaxCategory
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal


def _subtotals(
    lines: Iterable[tuple[Decimal, TaxCategory]], currency: Currency
) -> dict[TaxCategory, int]:
    """Per-category subtotals in minor units; rejects floats and sub-minor amounts."""
    subtotals: dict[TaxCategory, int] = {}
    for amount, category in lines:
        if not isinstance(category, TaxCategory):
            raise TypeError(f"tax category must be a TaxCategory, got {category!r}")
        units = to_minor_units(amount, currency)
        subtotals[category] = subtotals.get(category, 0) + units
    return subtotals


def compute_taxes(
    lines: Iterable[tuple[Decimal, TaxCategory]],
    currency: Currency,
    rounding: TaxRounding = TaxRounding.DOWN,
    *,
    taxed: bool = True,
) -> list[TaxBreakdown]:
    """One ``TaxBreakdown`` per category present, in STANDARD, REDUCED, EXEMPT order.

    ``lines`` are ``(amount, category)`` pairs whose amounts are already whole minor
    units (``ValueError`` otherwise). With ``taxed=False`` (a coverage where tax is not
    configured, such as GLOBAL) the lines are still validated and no tax lines are
    returned.
    """
    subtotals = _subtotals(lines, currency)
    if not taxed:
        return []
    breakdowns = []
    for category in TaxCategory:
        if category not in subtotals:
            continue
        taxable = from_minor_units(subtotals[category], currency)
        tax = (taxable * rate_of(category)).quantize(
            currency.quantum, rounding=rounding.decimal_rounding
        )
        breakdowns.append(TaxBreakdown(category, rate_of(category), taxable, tax))
    return breakdowns


def total_tax(breakdowns: Iterable[TaxBreakdown], currency: Currency) -> Decimal:
    """Sum of the per-rate taxes (already rounded; no further rounding)."""
    units = sum(to_minor_units(b.tax_amount, currency) for b in breakdowns)
    return from_minor_units(units, currency)
