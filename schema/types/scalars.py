"""The scalars the API adds to GraphQL's own, each with its exact wire format, so a
client generator (and a person) knows what a value looks like.

Strawberry's built-in ``date``, ``datetime`` and ``Decimal`` scalars are replaced in
``build_schema`` (``StrawberryConfig.scalar_map``) by these: same names, same
values on the wire, a description of the format and ``@specifiedBy`` where a
specification fits it exactly. Inputs are read as Strawberry reads them, except
that a Decimal must be finite (``NaN`` is bad input, not an internal error) and a
DateTime must be an instant Python can hold in UTC (``9999-12-31T23:59:59-14:00``
is bad input); DateTime inputs reach the resolvers in UTC, a value without an
offset taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, DecimalException
from typing import Any

import strawberry
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

RFC_3339_DATE_TIME = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
LOCAL_DATE = "https://scalars.graphql.org/andimarek/local-date.html"


def _date(value: date) -> str:
    return value.isoformat()


def _date_time(value: datetime) -> str:
    return value.isoformat()


def _decimal(value: Any) -> str:
    """Plain digits, never exponent notation: ``format(…, "f")`` writes what ``str``
    writes for every value ``str`` does not put in exponent form."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"Decimal cannot represent {number}")
    return format(number, "f")


def _parse_decimal(value: object) -> Decimal:
    """As Strawberry reads a Decimal (a string, or a JSON number by its text), but
    ``NaN`` and ``Infinity`` are refused here, as bad input, rather than failing
    inside a use case."""
    try:
        number: Decimal | None = Decimal(str(value))
    except DecimalException:
        number = None
    if number is None or not number.is_finite():
        raise StrawberryInputCoercionError(f'Value cannot represent a Decimal: "{value}".')
    return number


def _parse_date_time(value: object) -> datetime:
    """As Strawberry reads a DateTime, then in UTC; an instant that falls outside the
    years 1 to 9999 once in UTC is bad input, not an overflow inside a use case."""
    moment: datetime = DateTimeDefinition.parse_value(value)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime in UTC: "{value}".') from None


DATE = strawberry.scalar(
    name="Date",
    description=(
        "A calendar day without time or offset: a JSON string `YYYY-MM-DD` (RFC 3339 `full-date`), "
        "e.g. `2026-01-31`."
    ),
    specified_by_url=LOCAL_DATE,
    serialize=_date,
    parse_value=DateDefinition.parse_value,
)

DATE_TIME = strawberry.scalar(
    name="DateTime",
    description=(
        "An instant: a JSON string in RFC 3339 `date-time` form. Results are in UTC, written "
        "`YYYY-MM-DDThh:mm:ss+00:00`, with six digits of fractional seconds only when they are not zero "
        "(`2026-01-20T09:30:00+00:00`, `2026-01-20T09:30:00.250000+00:00`). Send inputs with their offset "
        "(`Z` or `±hh:mm`)."
    ),
    specified_by_url=RFC_3339_DATE_TIME,
    serialize=_date_time,
    parse_value=_parse_date_time,
)

DECIMAL = strawberry.scalar(
    name="Decimal",
    description=(
        "An exact decimal number as a JSON string: an optional `-`, digits, and optionally `.` and digits; "
        "never exponent notation (`1210.00`, `0.2`, `38400`). A money `amount` carries exactly its "
        "currency's decimals (JPY none: `38400`; USD two: `12.50`). Send inputs the same way."
    ),
    serialize=_decimal,
    parse_value=_parse_decimal,
)

SCALARS: dict[object, ScalarDefinition] = {date: DATE, datetime: DATE_TIME, Decimal: DECIMAL}
"""What ``build_schema`` puts in ``StrawberryConfig.scalar_map``."""
