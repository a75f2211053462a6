from __future__ import annotations

import strawberry

from billing.documents.links import DocumentLinks
from models.invoice_documents import InvoiceDocumentFile


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
