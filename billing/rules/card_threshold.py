"""The card threshold: where cards are allowed, an order under 2,000.00 USD is
paid by card. Orders are judged alone, never combined.

Decisions: the order's total is its contract value, i.e. each line's monthly
amount x quantity over the months of the term (counted from the term start's
day, ``periods.month_start``) from the booking (or the term start, if later) to
the term end, prorated like an invoice and rounded once per line; the rule
applies to GLOBAL only (USD), in the country given with the order or else the
country of the coverage's invoice profile; a country that is not known does not
trigger it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from decimal import Decimal

from billing.rules.proration import prorate
from kit.money import Currency, Money, from_minor_units, to_minor_units
from models.coverage import Coverage


def order_total(
    lines: Iterable[tuple[Decimal, int, bool]], booked_on: date, term_start: date, term_end: date, currency: Currency
) -> Money:
    """The contract value of ``(monthly_amount, quantity, pooled)`` lines."""
    start = max(booked_on, term_start)
    if start > term_end:
        return Money.zero(currency)
    units = sum(
        to_minor_units(prorate(monthly, quantity, start, term_end, currency, pooled, start, term_start=term_start), currency)
        for monthly, quantity, pooled in lines
    )
    return Money(from_minor_units(units, currency), currency)


def card_required(
    coverage: Coverage,
    country: str | None,
    total: Money,
    *,
    card_countries: Collection[str],
    threshold: Money,
    pays_by_card: bool,
) -> bool:
    """True when this order may not be paid by invoice."""
    if pays_by_card or coverage is not Coverage.GLOBAL or country is None:
        return False
    if country.upper() not in card_countries:
        return False
    return total.currency is threshold.currency and total.amount < threshold.amount
