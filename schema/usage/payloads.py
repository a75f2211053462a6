"""Payloads of the usage mutations."""

from __future__ import annotations

import strawberry

from schema.errors import Payload
from schema.usage.types import BurstRecord, ListPrice, PostTermUsageRecord, UsageBatchResult, UsageRecordType

_REPLAYED = "True when the idempotency key was already stored with the same values: nothing new was recorded."


@strawberry.type(description="The result of recordUsage.")
class RecordUsagePayload(Payload):
    usage: UsageRecordType | None = strawberry.field(description="The usage recorded (or recorded first, for a replay).")
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of recordUsageBatch: one result per record, in the order sent.")
class RecordUsageBatchPayload(Payload):
    results: list[UsageBatchResult] = strawberry.field(
        description="Each record's outcome; empty when the batch itself was refused (see `errors`)."
    )
    accepted: int = strawberry.field(description="How many records were stored by this call.")
    replayed: int = strawberry.field(description="How many records were already stored (same key, same values).")
    rejected: int = strawberry.field(description="How many records were refused (see each result's errors).")


@strawberry.type(description="The result of recordBursting.")
class RecordBurstingPayload(Payload):
    bursting: BurstRecord | None = strawberry.field(description="The hour recorded (or recorded first, for a replay).")
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of recordPostTermUsage.")
class RecordPostTermUsagePayload(Payload):
    post_term_usage: PostTermUsageRecord | None = strawberry.field(
        description="The hour recorded (or recorded first, for a replay)."
    )
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of setListPrice.")
class SetListPricePayload(Payload):
    list_price: ListPrice | None = strawberry.field(description="The price list entry as stored.")
