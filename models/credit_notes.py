"""Credit notes: voiding an issued invoice returns the whole of it under a number of
its own (適格返還請求書 on JP), numbered gaplessly per coverage and year like invoices."""

from __future__ import annotations

from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.accounts import Account
from models.coverage import Coverage
from models.invoices import Invoice


class CreditNote(Model):
    """The credit note of a voided invoice. It returns the invoice's lines, taxes and
    totals as they are (read from the invoice), so it keeps no amounts of its own."""

    id = fields.IntField(primary_key=True)
    invoice: fields.OneToOneRelation[Invoice] = fields.OneToOneField(
        "portal.Invoice", related_name="credit_note", on_delete=fields.RESTRICT
    )
    invoice_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="credit_notes", on_delete=fields.RESTRICT
    )
    account_id: UUID
    coverage = fields.CharEnumField(Coverage, max_length=10)
    number = fields.CharField(max_length=32, unique=True)
    year = fields.SmallIntField()
    sequence = fields.IntField()
    issue_date = fields.DateField()
    reason = fields.CharField(max_length=500)
    document_pending = fields.BooleanField(default=True, db_default=True, db_index=True)
    """Whether its PDF is still to be rendered (see ``Invoice.document_pending``)."""
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "credit_notes"
        unique_together = (("coverage", "year", "sequence"),)


class CreditNoteCounter(Model):
    """The last credit note number issued per coverage and year (see ``InvoiceCounter``)."""

    id = fields.IntField(primary_key=True)
    coverage = fields.CharEnumField(Coverage, max_length=10)
    year = fields.SmallIntField()
    last_sequence = fields.IntField(default=0)

    class Meta:
        table = "credit_note_counters"
        unique_together = (("coverage", "year"),)
