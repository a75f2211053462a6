"""Output types of the usage feature."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from billing.invoicing.usage_batch import Disposition, UsageOutcome
from billing.invoicing.usage_records import RecordedBurst, RecordedPostTerm
from kit.money import Money
from models.prices import ListPrice as ListPriceRow
from models.usage import UsageRecord
from schema.errors import UserError
from schema.ids import global_id
from schema.types.enums import Currency
from schema.types.money import MoneyType
from schema.usage.enums import Disposition as DispositionEnum


def _plain(value: Decimal) -> Decimal:
    """Without the column's trailing zeros, never in exponent form (0.5, 12)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


@strawberry.type(name="UsageRecord", description="Consumption recorded on a line.")
class UsageRecordType:
    line_id: strawberry.ID = strawberry.field(description="The order line.")
    used_on: date = strawberry.field(description="The day of use.")
    list_amount: MoneyType = strawberry.field(description="The consumption at list price.")
    idempotency_key: str | None = strawberry.field(
        description="The sender's idempotency key (null on records stored before keys existed)."
    )

    @classmethod
    def from_model(cls, row: UsageRecord, currency: Currency) -> UsageRecordType:
        return cls(
            line_id=strawberry.ID(global_id("OrderLine", row.order_line_id)), used_on=row.used_on,
            list_amount=MoneyType.from_domain(Money(row.list_amount, currency)), idempotency_key=row.idempotency_key,
        )


@strawberry.type(description="Units in use on a burstable line during one hour.")
class BurstRecord:
    line_id: strawberry.ID = strawberry.field(description="The order line.")
    hour_start: datetime = strawberry.field(description="Start of the hour (UTC).")
    total_units: int = strawberry.field(description="Units in use during that hour.")
    replaced: bool = strawberry.field(description="True when this report replaced an earlier one of the same hour.")
    unit_hour_price: Decimal = strawberry.field(
        description="The list price per unit-hour in force at that hour now, in the line's currency: the price "
        "list's (setListPrice) when it has one for the product, otherwise the line's own. The month is billed at "
        "the price in force when it is invoiced."
    )
    idempotency_key: str | None = strawberry.field(
        description="The sender's idempotency key (null on records stored before keys existed)."
    )

    @classmethod
    def from_domain(cls, result: RecordedBurst) -> BurstRecord:
        row = result.record
        return cls(
            line_id=strawberry.ID(global_id("OrderLine", row.order_line_id)), hour_start=row.hour_start,
            total_units=row.total_units, replaced=result.replaced, unit_hour_price=_plain(result.unit_hour_price),
            idempotency_key=row.idempotency_key,
        )


@strawberry.type(description="Units of a line in use during one hour after its subscription's term end.")
class PostTermUsageRecord:
    line_id: strawberry.ID = strawberry.field(description="The order line.")
    hour_start: datetime = strawberry.field(description="Start of the hour (UTC).")
    units: int = strawberry.field(description="Units in use during that hour.")
    replaced: bool = strawberry.field(description="True when this report replaced an earlier one of the same hour.")
    unit_hour_price: Decimal = strawberry.field(
        description="The list price per unit-hour in force at that hour now, in the line's currency. The month is "
        "billed at the price in force when it is invoiced."
    )
    currency: Currency = strawberry.field(description="The line's currency.")
    idempotency_key: str = strawberry.field(description="The sender's idempotency key.")

    @classmethod
    def from_domain(cls, result: RecordedPostTerm) -> PostTermUsageRecord:
        row = result.record
        return cls(
            line_id=strawberry.ID(global_id("OrderLine", row.order_line_id)), hour_start=row.hour_start,
            units=row.units, replaced=result.replaced, unit_hour_price=_plain(result.unit_hour_price),
            currency=result.currency, idempotency_key=row.idempotency_key or "",
        )


@strawberry.type(description="What became of one record of recordUsageBatch.")
class UsageBatchResult:
    index: int = strawberry.field(description="The record's position in `records` (from 0).")
    disposition: DispositionEnum = strawberry.field(description="ACCEPTED, REPLAYED or REJECTED.")
    usage: UsageRecordType | None = strawberry.field(
        description="The record stored (now, or first for a replay); null when rejected."
    )
    errors: list[UserError] = strawberry.field(
        description="Why the record was rejected, fields named `records.<index>.<field>`; empty otherwise."
    )

    @classmethod
    def from_domain(cls, index: int, outcome: UsageOutcome) -> UsageBatchResult:
        usage = outcome.usage and UsageRecordType.from_model(outcome.usage.record, outcome.usage.currency)
        errors = [UserError.from_domain(error) for error in outcome.errors]
        return cls(index=index, disposition=outcome.disposition, usage=usage, errors=errors)


@strawberry.type(description="A product's list price per unit-hour from an hour on (staff).")
class ListPrice:
    product: str = strawberry.field(description="The product.")
    currency: Currency = strawberry.field(description="The currency.")
    unit_hour_price: Decimal = strawberry.field(description="The list price of one unit for one hour.")
    effective_from: datetime = strawberry.field(
        description="The hour the price takes effect (UTC); in force until the next entry's."
    )

    @classmethod
    def from_model(cls, row: ListPriceRow) -> ListPrice:
        return cls(product=row.product, currency=row.currency, unit_hour_price=_plain(row.unit_hour_price),
                   effective_from=row.effective_from)


__all__ = [
    "BurstRecord", "Disposition", "ListPrice", "PostTermUsageRecord", "UsageBatchResult", "UsageRecordType",
]
