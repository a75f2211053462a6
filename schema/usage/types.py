"""Output types of the usage feature."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from billing.invoicing.usage_records import RecordedBurst
from kit.money import Money
from models.usage import UsageRecord
from schema.ids import global_id
from schema.types.enums import Currency
from schema.types.money import MoneyType


@strawberry.type(name="UsageRecord", description="Consumption recorded on a line.")
class UsageRecordType:
    line_id: strawberry.ID = strawberry.field(description="The order line.")
    used_on: date = strawberry.field(description="The day of use.")
    list_amount: MoneyType = strawberry.field(description="The consumption at list price.")

    @classmethod
    def from_model(cls, row: UsageRecord, currency: Currency) -> UsageRecordType:
        return cls(
            line_id=strawberry.ID(global_id("OrderLine", row.order_line_id)), used_on=row.used_on,
            list_amount=MoneyType.from_domain(Money(row.list_amount, currency)),
        )


@strawberry.type(description="Units in use on a burstable line during one hour.")
class BurstRecord:
    line_id: strawberry.ID = strawberry.field(description="The order line.")
    hour_start: datetime = strawberry.field(description="Start of the hour (UTC).")
    total_units: int = strawberry.field(description="Units in use during that hour.")
    replaced: bool = strawberry.field(description="True when this report replaced an earlier one of the same hour.")

    @classmethod
    def from_domain(cls, result: RecordedBurst) -> BurstRecord:
        row = result.record
        return cls(
            line_id=strawberry.ID(global_id("OrderLine", row.order_line_id)), hour_start=row.hour_start,
            total_units=row.total_units, replaced=result.replaced,
        )
