"""Staff record usage (in production: the metering systems): consumption at list
price per day (``billing.invoicing.usage_batch``, one record or a batch), units in
use per hour on burstable lines, and units in use per hour after the term end.
Billed monthly in arrears by the billing run (``billing.rules.usage_charges``).

Every record carries the sender's idempotency key, unique per order line: sent
again with the same values it is a no-op answering the record stored first; with
other values it is refused (``IDEMPOTENCY_KEY_REUSED``). A replay is answered
even once its month is invoiced.

A month's usage of a kind is final once invoiced: a new record for a month whose
overage (bursting, post-term use) is already on an invoice is refused
(``USAGE_ALREADY_INVOICED``), never billed twice nor silently dropped. A month
that has ended but produced no charge yet (within the commitment) stays open.
Each use case locks the line and its subscription row, as the billing run locks
the subscription, so a record and the run that invoices its month never
interleave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from billing.access.caller import Caller
from billing.access.rules import require_staff
from billing.errors import BusinessError, ErrorCode, FieldError
from billing.invoicing.prices import price_at
from billing.invoicing.usage_batch import RecordedUsage, record_usage
from billing.invoicing.usage_checks import (
    LockedLine,
    day_error,
    hour_start_error,
    idempotency_key_error,
    insert_once,
    invoiced_error,
    invoiced_months,
    list_amount_error,
    lock_line,
    not_active_error,
    refuse,
    replayed,
)
from billing.rules.usage_charges import burst_error, month_of, post_term_units_error, utc_hour
from kit.money import Currency
from models.orders import OrderLine
from models.terms import ChargeKind
from models.usage import BurstRecord, PostTermRecord

__all__ = [
    "RecordedBurst",
    "RecordedPostTerm",
    "RecordedUsage",
    "hour_start_error",
    "list_amount_error",
    "record_bursting",
    "record_post_term_usage",
    "record_usage",
]


@dataclass(frozen=True)
class RecordedBurst:
    """The hour's report, whether it replaced an earlier report of that hour,
    whether this call replayed it (same key, same values), and the unit-hour list
    price in force at that hour now (the price list's, or the line's own)."""

    record: BurstRecord
    replaced: bool
    replayed: bool
    unit_hour_price: Decimal
    currency: Currency


@dataclass(frozen=True)
class RecordedPostTerm:
    """The hour's report after the term end, as ``RecordedBurst``; the price is the
    price list's in force at that hour now."""

    record: PostTermRecord
    replaced: bool
    replayed: bool
    unit_hour_price: Decimal
    currency: Currency


async def _refuse_invoiced_month(line: OrderLine, kind: ChargeKind, day: date, field: str) -> None:
    if (line.id, month_of(day)) in await invoiced_months([line.id], kind):
        raise BusinessError(invoiced_error(kind, day, field))


def _burst_check(line: OrderLine, total_units: int) -> None:
    if line.subscribed_units is None or line.burst_unit_hour_price is None:
        raise BusinessError.single(ErrorCode.NOT_BURSTABLE, "This line has no subscribed units to burst above.", "lineId")
    problem = burst_error(total_units, line.subscribed_units)
    if problem is not None:
        code = ErrorCode.INVALID if total_units <= line.subscribed_units else ErrorCode.BURST_LIMIT
        raise BusinessError.single(code, problem, "totalUnits")


async def _burst_result(record: BurstRecord, locked: LockedLine, *, replay: bool) -> RecordedBurst:
    earlier = await BurstRecord.filter(
        order_line_id=record.order_line_id, hour_start=record.hour_start, id__lt=record.id
    ).exists()
    price = await price_at(locked.line.product, locked.currency, record.hour_start)
    if price is None:
        assert locked.line.burst_unit_hour_price is not None
        price = locked.line.burst_unit_hour_price
    return RecordedBurst(record, earlier, replay, price, locked.currency)


async def record_bursting(
    caller: Caller, line_id: int, hour_start: datetime, total_units: int, idempotency_key: str
) -> RecordedBurst:
    """Record the units in use during one UTC hour (a naive time is taken as UTC).
    A later report of the same hour (another key) replaces the earlier ones while
    its month is not invoiced; the same key again is a replay."""
    require_staff(caller, "record usage")
    hour = utc_hour(hour_start)
    refuse(idempotency_key_error(idempotency_key), hour_start_error(hour))

    def same(row: BurstRecord) -> bool:
        return (utc_hour(row.hour_start), row.total_units) == (hour, total_units)

    async with in_transaction():
        locked = await lock_line(line_id)
        earlier = await replayed(BurstRecord, line_id, idempotency_key, same)
        if earlier is not None:
            return await _burst_result(earlier, locked, replay=True)
        refuse(day_error(locked, hour.date(), "hourStart"))
        _burst_check(locked.line, total_units)
        await _refuse_invoiced_month(locked.line, ChargeKind.BURSTING, hour.date(), "hourStart")
        record = await insert_once(BurstRecord(
            order_line_id=line_id, hour_start=hour, total_units=total_units, idempotency_key=idempotency_key,
            recorded_by=caller.subject,
        ), same)
        return await _burst_result(record, locked, replay=False)


def _after_term_error(locked: LockedLine, hour: datetime) -> FieldError | None:
    first_hour = datetime.combine(locked.subscription.term_end + timedelta(days=1), time(), hour.tzinfo)
    if hour < first_hour:
        return FieldError(
            ErrorCode.NOT_AFTER_TERM,
            f"The term ends {locked.subscription.term_end}: post-term use is recorded from {first_hour:%Y-%m-%d %H:%M} UTC; "
            "record use within the term with recordUsage or recordBursting.",
            "hourStart",
        )
    return None


async def _post_term_result(record: PostTermRecord, locked: LockedLine, price: Decimal, *, replay: bool) -> RecordedPostTerm:
    earlier = await PostTermRecord.filter(
        order_line_id=record.order_line_id, hour_start=record.hour_start, id__lt=record.id
    ).exists()
    return RecordedPostTerm(record, earlier, replay, price, locked.currency)


async def _price_in_force(locked: LockedLine, hour: datetime) -> Decimal:
    price = await price_at(locked.line.product, locked.currency, hour)
    if price is None:
        raise BusinessError.single(
            ErrorCode.NO_LIST_PRICE,
            f"No list price of {locked.line.product!r} in {locked.currency.value} is in force at {hour:%Y-%m-%d %H:%M} UTC: "
            "set one with setListPrice first.",
            "hourStart",
        )
    return price


async def record_post_term_usage(
    caller: Caller, line_id: int, hour_start: datetime, units: int, idempotency_key: str
) -> RecordedPostTerm:
    """Record the units of a line in use during one UTC hour after its subscription's
    term end, billed monthly in arrears at the list price in force at that hour. A
    later report of the same hour (another key) replaces the earlier ones while its
    month is not invoiced; the same key again is a replay."""
    require_staff(caller, "record usage")
    hour = utc_hour(hour_start)
    problem = post_term_units_error(units)
    refuse(
        idempotency_key_error(idempotency_key), hour_start_error(hour),
        FieldError(ErrorCode.INVALID, problem, "units") if problem else None,
    )

    def same(row: PostTermRecord) -> bool:
        return (utc_hour(row.hour_start), row.units) == (hour, units)

    async with in_transaction():
        locked = await lock_line(line_id)
        earlier = await replayed(PostTermRecord, line_id, idempotency_key, same)
        if earlier is not None:
            return await _post_term_result(earlier, locked, await _price_in_force(locked, hour), replay=True)
        refuse(not_active_error(locked.line, hour.date(), "hourStart") or _after_term_error(locked, hour))
        await _refuse_invoiced_month(locked.line, ChargeKind.POST_TERM, hour.date(), "hourStart")
        price = await _price_in_force(locked, hour)
        record = await insert_once(PostTermRecord(
            order_line_id=line_id, hour_start=hour, units=units, idempotency_key=idempotency_key,
            recorded_by=caller.subject,
        ), same)
        return await _post_term_result(record, locked, price, replay=False)
