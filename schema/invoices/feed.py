"""Output types of invoice lists: the invoice connection (with its count) and the
change feed's events."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from tortoise.queryset import QuerySet

from models.events import InvoiceEvent
from models.invoices import Invoice
from schema.context import Info
from schema.invoices.enums import DisplayStatus
from schema.invoices.types import InvoiceNode
from schema.types.enums import InvoiceEventType


@strawberry.type(name="InvoiceConnection", description="A page of invoices, with how many match in all.")
class InvoiceConnection(relay.Connection[InvoiceNode]):
    matching: strawberry.Private[QuerySet[Invoice]]

    @strawberry.field(
        description="How many invoices match the filter, on every page together (counted when asked: one more "
        "query)."
    )
    async def total_count(self) -> int:
        return await self.matching.count()


@strawberry.type(
    name="InvoiceEvent",
    description="One change of one of your invoices, in the change feed (`invoiceEvents`). Numbered 1, 2, 3… per "
    "account without gaps, in the order the changes committed.",
)
class FeedEvent:
    sequence: int = strawberry.field(description="Its number in the account's feed: the previous one's plus one.")
    type: InvoiceEventType = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When the change committed (UTC).")
    invoice_number: str = strawberry.field(description="The invoice's number.")
    status: DisplayStatus = strawberry.field(
        description="The invoice's status right after this change (it may have changed since: read `invoice`)."
    )
    credit_note_number: str | None = strawberry.field(
        description="With CREDIT_NOTE_ISSUED: the credit note's number."
    )
    row: strawberry.Private[InvoiceEvent]

    @strawberry.field(description="The invoice as it is now.")
    def invoice(self, info: Info) -> InvoiceNode:
        return InvoiceNode.from_model(self.row.invoice)

    @classmethod
    def from_model(cls, row: InvoiceEvent) -> FeedEvent:
        return cls(
            sequence=row.sequence, type=row.type, occurred_at=row.occurred_at, invoice_number=row.data["number"],
            status=DisplayStatus(row.data["status"]), credit_note_number=row.data.get("creditNoteNumber"), row=row,
        )
