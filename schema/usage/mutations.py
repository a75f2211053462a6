"""Usage mutations (mixed into the root ``Mutation``). Each reads its input, calls
one use case and maps the result."""

from __future__ import annotations

import strawberry

from billing.access.caller import SCOPE_ADMIN
from billing.invoicing.prices import set_list_price
from billing.invoicing.usage_batch import Disposition, UsageInput, record_usage_batch
from billing.invoicing.usage_records import record_bursting, record_post_term_usage, record_usage
from schema.context import Info
from schema.errors import run_use_case
from schema.ids import pk_of
from schema.permissions import requires
from schema.usage.inputs import (
    RecordBurstingInput,
    RecordPostTermUsageInput,
    RecordUsageBatchInput,
    RecordUsageInput,
    SetListPriceInput,
)
from schema.usage.payloads import (
    RecordBurstingPayload,
    RecordPostTermUsagePayload,
    RecordUsageBatchPayload,
    RecordUsagePayload,
    SetListPricePayload,
)
from schema.usage.types import BurstRecord, ListPrice, PostTermUsageRecord, UsageBatchResult, UsageRecordType


def _usage_input(input: RecordUsageInput) -> UsageInput:
    return UsageInput(pk_of(input.line_id, "OrderLine"), input.used_on, input.list_amount, input.idempotency_key)


@strawberry.type
class UsageMutations:
    @strawberry.mutation(description="Staff: record consumption at list price (billed monthly in arrears).", extensions=[requires(SCOPE_ADMIN)])
    async def record_usage(self, info: Info, input: RecordUsageInput) -> RecordUsagePayload:
        sent = _usage_input(input)
        recorded, errors = await run_use_case(
            record_usage(info.context.caller, sent.line_id, sent.used_on, sent.list_amount, sent.idempotency_key)
        )
        usage = recorded and UsageRecordType.from_model(recorded.record, recorded.currency)
        return RecordUsagePayload(usage=usage, replayed=bool(recorded and recorded.replayed), errors=errors)

    @strawberry.mutation(
        description="Staff: record up to 1,000 consumption records at once; each is accepted, replayed or rejected "
        "on its own, and the valid ones are stored even when others are rejected.",
        extensions=[requires(SCOPE_ADMIN)],
    )
    async def record_usage_batch(self, info: Info, input: RecordUsageBatchInput) -> RecordUsageBatchPayload:
        report, errors = await run_use_case(
            record_usage_batch(info.context.caller, [_usage_input(record) for record in input.records])
        )
        outcomes = report.outcomes if report else []
        return RecordUsageBatchPayload(
            results=[UsageBatchResult.from_domain(index, outcome) for index, outcome in enumerate(outcomes)],
            accepted=report.count(Disposition.ACCEPTED) if report else 0,
            replayed=report.count(Disposition.REPLAYED) if report else 0,
            rejected=report.count(Disposition.REJECTED) if report else 0,
            errors=errors,
        )

    @strawberry.mutation(description="Staff: record the units in use during one hour on a burstable line.", extensions=[requires(SCOPE_ADMIN)])
    async def record_bursting(self, info: Info, input: RecordBurstingInput) -> RecordBurstingPayload:
        recorded, errors = await run_use_case(record_bursting(
            info.context.caller, pk_of(input.line_id, "OrderLine"), input.hour_start, input.total_units,
            input.idempotency_key,
        ))
        return RecordBurstingPayload(
            bursting=recorded and BurstRecord.from_domain(recorded), replayed=bool(recorded and recorded.replayed),
            errors=errors,
        )

    @strawberry.mutation(
        description="Staff: record the units of a line in use during one hour after its subscription's term end "
        "(billed monthly in arrears at the list price in force at that hour).",
        extensions=[requires(SCOPE_ADMIN)],
    )
    async def record_post_term_usage(self, info: Info, input: RecordPostTermUsageInput) -> RecordPostTermUsagePayload:
        recorded, errors = await run_use_case(record_post_term_usage(
            info.context.caller, pk_of(input.line_id, "OrderLine"), input.hour_start, input.units,
            input.idempotency_key,
        ))
        return RecordPostTermUsagePayload(
            post_term_usage=recorded and PostTermUsageRecord.from_domain(recorded),
            replayed=bool(recorded and recorded.replayed), errors=errors,
        )

    @strawberry.mutation(description="Staff: set a product's list price per unit-hour from an hour on.", extensions=[requires(SCOPE_ADMIN)])
    async def set_list_price(self, info: Info, input: SetListPriceInput) -> SetListPricePayload:
        entry, errors = await run_use_case(set_list_price(
            info.context.caller, input.product, input.currency, input.unit_hour_price, input.effective_from
        ))
        return SetListPricePayload(list_price=entry and ListPrice.from_model(entry), errors=errors)
