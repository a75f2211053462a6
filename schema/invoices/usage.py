"""Staff record usage: consumption at list price per day, units in use per hour on
burstable lines (mixed into the root ``Mutation``). Billed monthly in arrears by
the billing run."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from billing.access.caller import SCOPE_ADMIN
from billing.invoicing.usage_records import RecordedBurst, record_bursting, record_usage
from kit.money import Currency, Money
from models.usage import UsageRecord
from schema.context import Info
from schema.errors import PAYLOAD_ERRORS, UserError, run_use_case
from schema.ids import pk_of
from schema.permissions import requires
from schema.types.money import MoneyType


@strawberry.input(description="Staff: consumption on one day, valued at list price.")
class RecordUsageInput:
    line_id: relay.GlobalID = strawberry.field(description="The order line (active that day, within its term).")
    used_on: date = strawberry.field(description="The day of use; records of one day add up.")
    list_amount: Decimal = strawberry.field(
        description="The consumption at list price, positive, in whole minor units of the coverage's currency."
    )


@strawberry.input(description="Staff: the units in use on a burstable line during one hour.")
class RecordBurstingInput:
    line_id: relay.GlobalID = strawberry.field(description="The burstable order line.")
    hour_start: datetime = strawberry.field(
        description="Start of the hour, on the hour (UTC when no offset is given). A second report replaces the first."
    )
    total_units: int = strawberry.field(description="Units in use: above the subscribed units, at most twice them.")


@strawberry.type(name="UsageRecord", description="Consumption recorded on a line.")
class UsageRecordType:
    line_id: relay.GlobalID = strawberry.field(description="The order line.")
    used_on: date = strawberry.field(description="The day of use.")
    list_amount: MoneyType = strawberry.field(description="The consumption at list price.")


@strawberry.type(name="BurstRecord", description="Units in use on a burstable line during one hour.")
class BurstRecordType:
    line_id: relay.GlobalID = strawberry.field(description="The order line.")
    hour_start: datetime = strawberry.field(description="Start of the hour (UTC).")
    total_units: int = strawberry.field(description="Units in use during that hour.")
    replaced: bool = strawberry.field(description="True when this report replaced an earlier one of the same hour.")


@strawberry.type(description="The result of recordUsage.")
class RecordUsagePayload:
    usage: UsageRecordType | None = strawberry.field(description="The usage recorded.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The result of recordBursting.")
class RecordBurstingPayload:
    bursting: BurstRecordType | None = strawberry.field(description="The hour recorded.")
    errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


def _line_gid(line_id: int) -> relay.GlobalID:
    return relay.GlobalID("OrderLine", str(line_id))


def _usage(row: UsageRecord, currency: Currency) -> UsageRecordType:
    return UsageRecordType(
        line_id=_line_gid(row.order_line_id), used_on=row.used_on,
        list_amount=MoneyType.from_domain(Money(row.list_amount, currency)),
    )


def _burst(result: RecordedBurst) -> BurstRecordType:
    row = result.record
    return BurstRecordType(
        line_id=_line_gid(row.order_line_id), hour_start=row.hour_start, total_units=row.total_units,
        replaced=result.replaced,
    )


@strawberry.type
class UsageMutations:
    @strawberry.mutation(description="Staff: record consumption at list price (billed monthly in arrears).", extensions=[requires(SCOPE_ADMIN)])
    async def record_usage(self, info: Info, input: RecordUsageInput) -> RecordUsagePayload:
        recorded, errors = await run_use_case(
            record_usage(info.context.caller, pk_of(input.line_id, "OrderLine"), input.used_on, input.list_amount)
        )
        usage = recorded and _usage(recorded.record, recorded.currency)
        return RecordUsagePayload(usage=usage, errors=errors)

    @strawberry.mutation(description="Staff: record the units in use during one hour on a burstable line.", extensions=[requires(SCOPE_ADMIN)])
    async def record_bursting(self, info: Info, input: RecordBurstingInput) -> RecordBurstingPayload:
        recorded, errors = await run_use_case(
            record_bursting(info.context.caller, pk_of(input.line_id, "OrderLine"), input.hour_start, input.total_units)
        )
        return RecordBurstingPayload(bursting=recorded and _burst(recorded), errors=errors)
