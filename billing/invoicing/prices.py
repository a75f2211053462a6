"""The price list: the list price per unit-hour of each product and currency, with
effective dates (staff set it), and the hourly usage the billing run prices at it.

The price in force at an hour is the latest entry effective at or before that
hour. Bursting and post-term use are valued at it when the run bills their month
(so a price entered late for past hours still counts until the month is
invoiced); bursting falls back to the line's own unit-hour price when the price
list has none in force for its product.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from tortoise.transactions import in_transaction

from billing.access.caller import Caller
from billing.access.rules import require_staff
from billing.errors import ErrorCode, FieldError
from billing.invoicing.usage_checks import hour_start_error, refuse
from billing.rules.text import normalise, text_problem
from billing.rules.usage_charges import (
    HourlyReport,
    monthly_burst_value,
    monthly_post_term_value,
    price_in_force,
    utc_hour,
)
from kit.money import Currency
from models.orders import AMOUNT_DIGITS, UNIT_PRICE_DECIMALS, OrderLine
from models.prices import ListPrice

PRODUCT_LENGTH = 100
_QUANTUM = Decimal(1).scaleb(-UNIT_PRICE_DECIMALS)
_CEILING = Decimal(10) ** (AMOUNT_DIGITS - UNIT_PRICE_DECIMALS)

Schedule = list[tuple[datetime, Decimal]]
MonthlyValues = dict[tuple[int, date], Fraction]


def _price_errors(product: str, unit_hour_price: Decimal, effective_from: datetime) -> list[FieldError | None]:
    errors: list[FieldError | None] = [hour_start_error(effective_from, "effectiveFrom")]
    if not product:
        errors.append(FieldError(ErrorCode.REQUIRED, "The product is required.", "product"))
    elif len(product) > PRODUCT_LENGTH:
        errors.append(FieldError(ErrorCode.TOO_LONG, f"A product is at most {PRODUCT_LENGTH} characters.", "product"))
    elif problem := text_problem(product):
        errors.append(FieldError(ErrorCode.INVALID, f"The product {problem}.", "product"))
    price = unit_hour_price
    if not price.is_finite() or not 0 < price < _CEILING or price != price.quantize(_QUANTUM):
        message = f"The unit-hour list price is positive, below {_CEILING}, with at most {UNIT_PRICE_DECIMALS} decimals."
        errors.append(FieldError(ErrorCode.INVALID, message, "unitHourPrice"))
    return errors


async def set_list_price(
    caller: Caller, product: str, currency: Currency, unit_hour_price: Decimal, effective_from: datetime
) -> ListPrice:
    """Set the list price of ``product`` in ``currency`` from the hour ``effective_from``
    (a naive time is UTC). Setting it again for the same hour replaces that entry."""
    require_staff(caller, "set list prices")
    product, hour = normalise(product), utc_hour(effective_from)
    refuse(*_price_errors(product, unit_hour_price, hour))
    async with in_transaction():
        entry = ListPrice(product=product, currency=currency, unit_hour_price=unit_hour_price, effective_from=hour,
                          set_by=caller.subject)
        await ListPrice.bulk_create(
            [entry], on_conflict=["product", "currency", "effective_from"], update_fields=["unit_hour_price", "set_by"]
        )
        return await ListPrice.get(product=product, currency=currency, effective_from=hour)


async def list_prices(caller: Caller, product: str, currency: Currency | None = None) -> list[ListPrice]:
    """The price list of ``product`` (in ``currency``, or both), oldest entry first. A
    text no product can have (too long, or with a character no product name may hold,
    NUL included) names none: no query is sent."""
    require_staff(caller, "read list prices")
    product = normalise(product)
    if len(product) > PRODUCT_LENGTH or text_problem(product):
        return []
    query = ListPrice.filter(product=product)
    if currency is not None:
        query = query.filter(currency=currency)
    return list(await query.order_by("currency", "effective_from"))


async def price_at(product: str, currency: Currency, hour: datetime) -> Decimal | None:
    """The list price in force at ``hour`` for ``product`` in ``currency`` (None if none)."""
    entry = (
        await ListPrice.filter(product=product, currency=currency, effective_from__lte=utc_hour(hour))
        .order_by("-effective_from").first()
    )
    return entry.unit_hour_price if entry is not None else None


def burst_price(line: OrderLine, prices: Mapping[str, Schedule], hour: datetime) -> Decimal:
    """The price of one bursting unit-hour: the list price in force, else the line's own."""
    price = price_in_force(prices.get(line.product, []), hour)
    if price is None:
        assert line.burst_unit_hour_price is not None
        return line.burst_unit_hour_price
    return price


def post_term_price(line: OrderLine, prices: Mapping[str, Schedule], hour: datetime, currency: Currency) -> Decimal:
    """The price of one unit-hour used after the term: the list price in force."""
    price = price_in_force(prices.get(line.product, []), hour)
    if price is None:  # recording refuses such an hour, and entries are never deleted
        raise LookupError(f"no list price of {line.product!r} in {currency.value} in force at {hour}")
    return price


def hourly_values(
    lines: Mapping[int, OrderLine], bursts: Iterable[HourlyReport], post_term: Iterable[HourlyReport],
    prices: Mapping[str, Schedule], currency: Currency,
) -> tuple[MonthlyValues, MonthlyValues]:
    """The exact value per (line, month) of the bursting and of the post-term use of
    ``lines`` (of one subscription), each hour from its latest report at the price in
    force at that hour (``prices``: every product's schedule in ``currency``). Bursts
    of a line that cannot burst are ignored."""
    subscribed = {
        line.id: line.subscribed_units for line in lines.values()
        if line.subscribed_units is not None and line.burst_unit_hour_price is not None
    }
    return (
        monthly_burst_value(
            ((line_id, hour, units, burst_price(lines[line_id], prices, hour))
             for line_id, hour, units in bursts if line_id in subscribed),
            subscribed,
        ),
        monthly_post_term_value(
            (line_id, hour, units, post_term_price(lines[line_id], prices, hour, currency))
            for line_id, hour, units in post_term
        ),
    )
