"""Usage mutations (mixed into the root ``Mutation``). Each reads its input, calls
one use case and maps the result."""

from __future__ import annotations

import strawberry

from billing.access.caller import SCOPE_ADMIN
from billing.invoicing.usage_records import record_bursting, record_usage
from schema.context import Info
from schema.errors import run_use_case
from schema.ids import pk_of
from schema.permissions import requires
from schema.usage.inputs import RecordBurstingInput, RecordUsageInput
from schema.usage.payloads import RecordBurstingPayload, RecordUsagePayload
from schema.usage.types import BurstRecord, UsageRecordType


@strawberry.type
class UsageMutations:
    @strawberry.mutation(description="Staff: record consumption at list price (billed monthly in arrears).", extensions=[requires(SCOPE_ADMIN)])
    async def record_usage(self, info: Info, input: RecordUsageInput) -> RecordUsagePayload:
        recorded, errors = await run_use_case(
            record_usage(info.context.caller, pk_of(input.line_id, "OrderLine"), input.used_on, input.list_amount)
        )
        usage = recorded and UsageRecordType.from_model(recorded.record, recorded.currency)
        return RecordUsagePayload(usage=usage, errors=errors)

    @strawberry.mutation(description="Staff: record the units in use during one hour on a burstable line.", extensions=[requires(SCOPE_ADMIN)])
    async def record_bursting(self, info: Info, input: RecordBurstingInput) -> RecordBurstingPayload:
        recorded, errors = await run_use_case(
            record_bursting(info.context.caller, pk_of(input.line_id, "OrderLine"), input.hour_start, input.total_units)
        )
        return RecordBurstingPayload(bursting=recorded and BurstRecord.from_domain(recorded), errors=errors)
