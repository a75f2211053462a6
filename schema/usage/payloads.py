"""Payloads of the usage mutations."""

from __future__ import annotations

import strawberry

from schema.errors import Payload
from schema.usage.types import BurstRecord, UsageRecordType


@strawberry.type(description="The result of recordUsage.")
class RecordUsagePayload(Payload):
    usage: UsageRecordType | None = strawberry.field(description="The usage recorded.")


@strawberry.type(description="The result of recordBursting.")
class RecordBurstingPayload(Payload):
    bursting: BurstRecord | None = strawberry.field(description="The hour recorded.")
