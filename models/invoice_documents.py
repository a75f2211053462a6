"""The PDF of each issued invoice, stored once at issue and never rewritten.

A document is kept as bytes, not regenerated: a later profile edit, template
change or issuer-name change must not alter what the customer filed. Its SHA-256
is recorded beside it, so a download can be checked against what was issued.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.invoices import Invoice


class DocumentKind(str, Enum):
    """An invoice asks for payment; a credit note returns a whole invoice (its void)."""

    INVOICE = "INVOICE"
    CREDIT_NOTE = "CREDIT_NOTE"


class InvoiceDocumentFile(Model):
    """One stored PDF of an invoice: the invoice itself or, later, its credit note
    (one of each kind at most). ``sha256`` is the hex digest of ``pdf``."""

    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "portal.Invoice", related_name="documents", on_delete=fields.RESTRICT
    )
    invoice_id: int
    kind = fields.CharEnumField(DocumentKind, max_length=12)
    pdf = fields.BinaryField()
    sha256 = fields.CharField(max_length=64)
    size_bytes = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invoice_documents"
        unique_together = (("invoice", "kind"),)
