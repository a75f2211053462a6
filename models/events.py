"""The change feed: one row per change of an invoice a partner may want to know
about, numbered gaplessly per account.

Rows are written in the transaction that makes the change (``billing.events``), so
the feed holds exactly the changes that committed. ``AccountEventCounter`` is the
last sequence number given per account; taking numbers locks its row, so the
numbers of one account commit in order and a reader that pages by sequence never
skips one that commits later.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.credit_notes import CreditNote
    from models.invoices import Invoice


class InvoiceEventType(str, Enum):
    """What happened to an invoice."""

    INVOICE_ISSUED = "INVOICE_ISSUED"
    INVOICE_PAID = "INVOICE_PAID"
    INVOICE_VOIDED = "INVOICE_VOIDED"
    INVOICE_PAST_DUE = "INVOICE_PAST_DUE"
    CREDIT_NOTE_ISSUED = "CREDIT_NOTE_ISSUED"

    @property
    def webhook_name(self) -> str:
        """The ``type`` of a webhook payload (Standard Webhooks' dotted style): ``invoice.issued``."""
        head, _, tail = self.value.lower().partition("_")
        if head == "credit":  # CREDIT_NOTE_ISSUED -> credit_note.issued
            return "credit_note." + tail.removeprefix("note_")
        return f"{head}.{tail}"


class AccountEventCounter(Model):
    """The last event sequence number given to an account (locked to take the next)."""

    account_id = fields.UUIDField(primary_key=True)
    last_sequence = fields.BigIntField(default=0)

    class Meta:
        table = "account_event_counters"
        table_description = "The last event sequence number given to an account"


class InvoiceEvent(Model):
    """One change of one invoice. ``data`` is what the change looked like when it
    was made (number, status, amounts, dates): the body webhooks send."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="invoice_events", on_delete=fields.RESTRICT
    )
    account_id: UUID
    sequence = fields.BigIntField()
    type = fields.CharEnumField(InvoiceEventType, max_length=24)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "portal.Invoice", related_name="events", on_delete=fields.RESTRICT
    )
    invoice_id: int
    credit_note: fields.ForeignKeyNullableRelation[CreditNote] = fields.ForeignKeyField(
        "portal.CreditNote", related_name="events", on_delete=fields.RESTRICT, null=True
    )
    credit_note_id: int | None
    occurred_at = fields.DatetimeField()
    data: fields.JSONField[dict[str, Any]] = fields.JSONField()

    class Meta:
        table = "invoice_events"
        table_description = "One change of one invoice, numbered per account (the change feed)"
        unique_together = (("account", "sequence"),)
