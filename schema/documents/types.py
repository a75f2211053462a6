from __future__ import annotations

from datetime import date

import strawberry

from billing.documents.links import DocumentLinks
from models.invoice_documents import InvoiceDocumentFile
from schema.context import Info
from schema.types.money import MoneyType


@strawberry.type(
    name="IssuedDocument",
    description="The PDF of an issued invoice, rendered once from the invoice as issued and never regenerated: "
    "every download returns the same bytes, whatever changed since (the invoice profile, the issuer's name, the "
    "template).",
)
class IssuedDocument:
    url: str = strawberry.field(
        description="A signed link that downloads the PDF without a bearer token, valid for 10 minutes from when "
        "this field was read: read it again for a fresh one. `GET /invoices/{number}.pdf` with a bearer token "
        "downloads the same bytes."
    )
    sha256: str = strawberry.field(description="The SHA-256 of the PDF's bytes, in hex (also the download's ETag).")
    size_bytes: int = strawberry.field(description="The PDF's size in bytes.")

    @classmethod
    def from_model(cls, row: InvoiceDocumentFile, links: DocumentLinks) -> IssuedDocument:
        """From a row loaded without its bytes (``schema.loaders.invoice_documents``)."""
        return cls(url=links.url(row.id, row.sha256), sha256=row.sha256, size_bytes=row.size_bytes)


@strawberry.type(
    name="CreditNote",
    description="The credit note of a voided invoice (適格返還請求書 on JP): it returns the whole invoice, its lines, "
    "taxes per rate and totals, under a number of its own. Emailed once with its PDF.",
)
class CreditNoteType:
    number: str = strawberry.field(description="Gapless per coverage and year, e.g. JP-CN-2026-000001.")
    issue_date: date = strawberry.field(description="The day it was issued (the invoice's void).")
    reason: str = strawberry.field(description="Why the invoice was voided.")
    total: MoneyType | None = strawberry.field(
        description="The amount returned (the invoice's total); null when the invoice has two currencies."
    )
    invoice_id: strawberry.Private[int]

    @strawberry.field(description="Its PDF; null until it is rendered (seconds after the void).")
    async def document(self, info: Info) -> IssuedDocument | None:
        row = await info.context.loaders.credit_note_documents.load(self.invoice_id)
        return IssuedDocument.from_model(row, info.context.document_links) if row else None
