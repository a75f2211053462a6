"""The rules every usage record is checked against, shared by the single and the
batch use cases: the idempotency key, the value, the day or hour, the line, and
the locks taken before a record is stored.

Recording usage locks the order lines, then their subscriptions, each in id order
(the billing run claims the same subscription rows), so a record and the run
that invoices its month never interleave, and a line's activation cannot move
under a record being stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from tortoise.models import Model

from billing.errors import BusinessError, ErrorCode, FieldError
from billing.rules.usage_charges import month_of
from kit.money import Currency
from models.invoices import BilledCharge
from models.orders import AMOUNT_DECIMALS, AMOUNT_DIGITS, OrderLine, Subscription
from models.terms import ChargeKind
from models.usage import IDEMPOTENCY_KEY_LENGTH

MAX_AMOUNT = Decimal(10) ** (AMOUNT_DIGITS - AMOUNT_DECIMALS - 1)
MAX_ROW_ID = 2**31 - 1
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
KEY_FIELD = "idempotencyKey"

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class LockedLine:
    """An order line and its subscription, both locked for the transaction."""

    line: OrderLine
    subscription: Subscription

    @property
    def currency(self) -> Currency:
        return self.subscription.coverage.currency


def idempotency_key_error(key: str, field: str = KEY_FIELD) -> FieldError | None:
    """Why ``key`` is not an idempotency key: 1 to 100 printable ASCII characters."""
    if key == "":
        return FieldError(ErrorCode.REQUIRED, "An idempotency key is required (1 to 100 printable ASCII characters).", field)
    if len(key) > IDEMPOTENCY_KEY_LENGTH:
        return FieldError(ErrorCode.TOO_LONG, f"An idempotency key is at most {IDEMPOTENCY_KEY_LENGTH} characters.", field)
    if not _PRINTABLE_ASCII.fullmatch(key):
        return FieldError(ErrorCode.INVALID, "An idempotency key is printable ASCII characters only.", field)
    return None


def key_reused_error(field: str = KEY_FIELD) -> FieldError:
    return FieldError(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        "This idempotency key was already used on this line for a record with other values.", field,
    )


def list_amount_error(amount: Decimal, currency: Currency) -> FieldError | None:
    """Why ``amount`` is not a usage value at list price in ``currency`` (None if it is)."""
    if not amount.is_finite() or not 0 < amount < MAX_AMOUNT or amount != amount.quantize(currency.quantum):
        return FieldError(
            ErrorCode.INVALID,
            f"The list amount is positive, below {MAX_AMOUNT}, in whole {currency.value} minor units "
            f"({currency.minor_digits} decimals).",
            "listAmount",
        )
    return None


def hour_start_error(hour_start: datetime, field: str = "hourStart") -> FieldError | None:
    if (hour_start.minute, hour_start.second, hour_start.microsecond) != (0, 0, 0):
        return FieldError(ErrorCode.INVALID, "An hour starts on the hour (minutes and seconds 0).", field)
    return None


def refuse(*errors: FieldError | None) -> None:
    """Raise the errors found, if any."""
    found = [error for error in errors if error is not None]
    if found:
        raise BusinessError(found)


def not_active_error(line: OrderLine, day: date, field: str) -> FieldError | None:
    if line.activated_on is None or line.activated_on > day:
        active = f"from {line.activated_on}" if line.activated_on else "not yet"
        return FieldError(ErrorCode.LINE_NOT_ACTIVE, f"The line is active {active}.", field)
    return None


def day_error(locked: LockedLine, day: date, field: str) -> FieldError | None:
    """Why ``day`` cannot carry usage of the line within its term (None if it can)."""
    subscription = locked.subscription
    inactive = not_active_error(locked.line, day, field)
    if inactive is not None:
        return inactive
    if not subscription.term_start <= day <= subscription.term_end:
        after = " Use after the term end is recorded hourly (recordPostTermUsage)." if day > subscription.term_end else ""
        return FieldError(
            ErrorCode.OUTSIDE_TERM,
            f"The day is outside the term {subscription.term_start} to {subscription.term_end}.{after}", field,
        )
    return None


def invoiced_error(kind: ChargeKind, day: date, field: str) -> FieldError:
    return FieldError(
        ErrorCode.USAGE_ALREADY_INVOICED,
        f"The {kind.value.lower().replace('_', '-')} use of {month_of(day):%Y-%m} is already invoiced; "
        "usage of that month is final.",
        field,
    )


async def lock_lines(line_ids: Collection[int]) -> dict[int, LockedLine]:
    """The lines that exist among ``line_ids``, locked, with their subscriptions
    locked (each in id order): two queries however many lines."""
    wanted = sorted({line_id for line_id in line_ids if 0 < line_id <= MAX_ROW_ID})
    if not wanted:
        return {}
    lines = await OrderLine.filter(id__in=wanted).order_by("id").select_for_update(no_key=True)
    owners = sorted({line.subscription_id for line in lines})
    subscriptions = {s.id: s for s in await Subscription.filter(id__in=owners).order_by("id").select_for_update()}
    return {line.id: LockedLine(line, subscriptions[line.subscription_id]) for line in lines}


async def lock_line(line_id: int) -> LockedLine:
    """One line and its subscription, locked; NOT_FOUND (``lineId``) if there is no such line."""
    locked = (await lock_lines([line_id])).get(line_id)
    if locked is None:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such order line.", "lineId")
    return locked


async def invoiced_months(line_ids: Collection[int], kind: ChargeKind) -> set[tuple[int, date]]:
    """(line, first day of the month) of every month of ``kind`` already invoiced."""
    if not line_ids:
        return set()
    rows = await BilledCharge.filter(order_line_id__in=list(line_ids), kind=kind).values_list("order_line_id", "period_start")
    return {(line_id, start) for line_id, start in rows}


async def replayed(model: type[M], line_id: int, key: str, same: Callable[[M], bool]) -> M | None:
    """The record stored earlier under ``key`` on the line (a replay), None if there
    is none; IDEMPOTENCY_KEY_REUSED if it holds other values."""
    stored = await model.get_or_none(order_line_id=line_id, idempotency_key=key)
    if stored is not None and not same(stored):
        raise BusinessError(key_reused_error())
    return stored


async def insert_once(row: M, same: Callable[[M], bool]) -> M:
    """Insert a keyed record unless its (line, key) is already stored, then read it
    back: ``INSERT … ON CONFLICT DO NOTHING``, so a concurrent duplicate never
    aborts the transaction. IDEMPOTENCY_KEY_REUSED if the stored one differs."""
    model = type(row)
    await model.bulk_create([row], ignore_conflicts=True)
    stored = await model.get(order_line_id=getattr(row, "order_line_id"), idempotency_key=getattr(row, "idempotency_key"))
    if not same(stored):
        raise BusinessError(key_reused_error())
    return stored
