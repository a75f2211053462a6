"""Inputs of the usage mutations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from schema.types.enums import Currency

_KEY = (
    "The sender's idempotency key for this record, 1 to 100 printable ASCII characters, unique per order line. "
    "Sent again with the same values, the record is not stored twice: the answer is the record stored first. "
    "Sent again with other values, it is refused (IDEMPOTENCY_KEY_REUSED)."
)


@strawberry.input(description="Staff: consumption on one day, valued at list price.")
class RecordUsageInput:
    line_id: relay.GlobalID = strawberry.field(description="The order line (active that day, within its term).")
    used_on: date = strawberry.field(description="The day of use; records of one day add up.")
    list_amount: Decimal = strawberry.field(
        description="The consumption at list price, positive, in whole minor units of the coverage's currency."
    )
    idempotency_key: str = strawberry.field(description=_KEY)


@strawberry.input(description="Staff: up to 1,000 consumption records in one call.")
class RecordUsageBatchInput:
    records: list[RecordUsageInput] = strawberry.field(
        description="At most 1,000 records, each checked like recordUsage's input. Valid records are stored even when "
        "others are rejected (all valid ones in one transaction); errors name `records.<index>.<field>`."
    )


@strawberry.input(description="Staff: the units in use on a burstable line during one hour.")
class RecordBurstingInput:
    line_id: relay.GlobalID = strawberry.field(description="The burstable order line.")
    hour_start: datetime = strawberry.field(
        description="Start of the hour, on the hour (UTC when no offset is given). A later report of the same hour "
        "(another idempotency key) replaces the earlier one."
    )
    total_units: int = strawberry.field(description="Units in use: above the subscribed units, at most twice them.")
    idempotency_key: str = strawberry.field(description=_KEY)


@strawberry.input(description="Staff: the units of a line in use during one hour after its subscription's term end.")
class RecordPostTermUsageInput:
    line_id: relay.GlobalID = strawberry.field(description="The order line (active, its term ended before that hour).")
    hour_start: datetime = strawberry.field(
        description="Start of the hour, on the hour (UTC when no offset is given), on or after 00:00 UTC of the day "
        "after the term end. A later report of the same hour (another idempotency key) replaces the earlier one."
    )
    units: int = strawberry.field(
        description="Units in use during that hour, 0 to 1,000,000 (0 corrects an earlier report). Billed at the "
        "list price in force at that hour (setListPrice), monthly in arrears."
    )
    idempotency_key: str = strawberry.field(description=_KEY)


@strawberry.input(description="Staff: a product's list price per unit-hour from an hour on.")
class SetListPriceInput:
    product: str = strawberry.field(description="The product, as order lines name it (exact match).")
    currency: Currency = strawberry.field(description="The currency (JPY for JP lines, USD for GLOBAL lines).")
    unit_hour_price: Decimal = strawberry.field(
        description="The list price of one unit for one hour: positive, at most 6 decimals."
    )
    effective_from: datetime = strawberry.field(
        description="The hour the price takes effect, on the hour (UTC when no offset is given); it is in force until "
        "the next entry's. Setting the same hour again replaces that entry."
    )
