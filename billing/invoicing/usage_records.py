"""Staff record usage (in production: the metering systems): consumption at list
price per day, and units in use per hour on burstable lines. Billed monthly in
arrears by the billing run (``billing.rules.usage_charges``).

A month's usage of a kind is final once invoiced: a record for a month whose
overage (or bursting) is already on an invoice is refused
(``USAGE_ALREADY_INVOICED``), never billed twice nor silently dropped. A month
that has ended but produced no charge yet (within the commitment) stays open.
Each use case locks the subscription row, as the billing run does, so a record
and the run that invoices its month never interleave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise.transactions import in_transaction

from billing.access.caller import Caller
from billing.access.rules import require_staff
from billing.errors import BusinessError, ErrorCode, FieldError
from billing.rules.usage_charges import burst_error, month_of
from kit.money import Currency
from models.invoices import BilledCharge
from models.orders import AMOUNT_DECIMALS, AMOUNT_DIGITS, OrderLine, Subscription
from models.terms import ChargeKind
from models.usage import BurstRecord, UsageRecord

MAX_AMOUNT = Decimal(10) ** (AMOUNT_DIGITS - AMOUNT_DECIMALS - 1)


@dataclass(frozen=True)
class RecordedUsage:
    """The record and the currency of its line's coverage."""

    record: UsageRecord
    currency: Currency


@dataclass(frozen=True)
class RecordedBurst:
    """The hour's record and whether it replaced an earlier report of that hour."""

    record: BurstRecord
    replaced: bool


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


async def _active_line(line_id: int, day: date, day_field: str) -> tuple[OrderLine, Subscription]:
    """The line (with its subscription locked) if it is active on ``day`` within its term."""
    line = await OrderLine.get_or_none(id=line_id)
    if line is None:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such order line.", "lineId")
    subscription = await Subscription.filter(id=line.subscription_id).select_for_update().get()
    if line.activated_on is None or line.activated_on > day:
        active = f"from {line.activated_on}" if line.activated_on else "not yet"
        raise BusinessError.single(ErrorCode.LINE_NOT_ACTIVE, f"The line is active {active}.", day_field)
    if not subscription.term_start <= day <= subscription.term_end:
        raise BusinessError.single(
            ErrorCode.OUTSIDE_TERM,
            f"The day is outside the term {subscription.term_start} to {subscription.term_end}.", day_field,
        )
    return line, subscription


async def _refuse_invoiced_month(line: OrderLine, kind: ChargeKind, day: date, day_field: str) -> None:
    if await BilledCharge.exists(order_line_id=line.id, kind=kind, period_start=month_of(day)):
        raise BusinessError.single(
            ErrorCode.USAGE_ALREADY_INVOICED,
            f"The {kind.value.lower()} of {month_of(day):%Y-%m} is already invoiced; usage of that month is final.",
            day_field,
        )


async def record_usage(caller: Caller, line_id: int, used_on: date, list_amount: Decimal) -> RecordedUsage:
    """Record consumption valued at list price on one day (records of a day add up)."""
    require_staff(caller, "record usage")
    async with in_transaction():
        line, subscription = await _active_line(line_id, used_on, "usedOn")
        currency = subscription.coverage.currency
        error = list_amount_error(list_amount, currency)
        if error is not None:
            raise BusinessError(error)
        await _refuse_invoiced_month(line, ChargeKind.OVERAGE, used_on, "usedOn")
        record = await UsageRecord.create(
            order_line=line, used_on=used_on, list_amount=list_amount, recorded_by=caller.subject
        )
    return RecordedUsage(record, currency)


def hour_start_error(hour_start: datetime) -> FieldError | None:
    if (hour_start.minute, hour_start.second, hour_start.microsecond) != (0, 0, 0):
        return FieldError(ErrorCode.INVALID, "An hour starts on the hour (minutes and seconds 0).", "hourStart")
    return None


def _burst_check(line: OrderLine, total_units: int) -> None:
    if line.subscribed_units is None or line.burst_unit_hour_price is None:
        raise BusinessError.single(ErrorCode.NOT_BURSTABLE, "This line has no subscribed units to burst above.", "lineId")
    problem = burst_error(total_units, line.subscribed_units)
    if problem is not None:
        code = ErrorCode.INVALID if total_units <= line.subscribed_units else ErrorCode.BURST_LIMIT
        raise BusinessError.single(code, problem, "totalUnits")


async def record_bursting(caller: Caller, line_id: int, hour_start: datetime, total_units: int) -> RecordedBurst:
    """Record the units in use during one UTC hour (a naive time is taken as UTC).
    A second report of the same hour replaces the first while its month is not invoiced."""
    require_staff(caller, "record usage")
    hour = hour_start.replace(tzinfo=UTC) if hour_start.tzinfo is None else hour_start.astimezone(UTC)
    error = hour_start_error(hour)
    if error is not None:
        raise BusinessError(error)
    async with in_transaction():
        line, _ = await _active_line(line_id, hour.date(), "hourStart")
        _burst_check(line, total_units)
        await _refuse_invoiced_month(line, ChargeKind.BURSTING, hour.date(), "hourStart")
        existing = await BurstRecord.filter(order_line_id=line.id, hour_start=hour).select_for_update().first()
        if existing is not None:
            existing.total_units, existing.recorded_by = total_units, caller.subject
            await existing.save(update_fields=["total_units", "recorded_by"])
            return RecordedBurst(existing, True)
        record = await BurstRecord.create(order_line=line, hour_start=hour, total_units=total_units, recorded_by=caller.subject)
        return RecordedBurst(record, False)
