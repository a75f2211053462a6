"""Inputs of the usage mutations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay


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
