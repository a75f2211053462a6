"""Enums more than one feature shows, registered once as GraphQL enums.

``strawberry.enum`` registers the domain's own class and returns it: import the
enum from here (not from billing/ or models/) and annotate fields with it, so the
registration has happened by the time the schema is built.
"""

from __future__ import annotations

import strawberry

from billing.rules.payment_terms import PaymentTerms
from billing.rules.tax import TaxCategory
from kit.money import Currency
from models.coverage import Coverage
from models.events import InvoiceEventType

__all__ = ["Coverage", "Currency", "InvoiceEventType", "PaymentTerms", "TaxCategory"]

strawberry.enum(Coverage, name="Coverage", description="Where a service is used and billed: JP (in JPY) or GLOBAL (in USD).")
strawberry.enum(Currency, name="Currency", description="A billing currency (ISO 4217).")
strawberry.enum(
    PaymentTerms, name="PaymentTerms",
    description="NET_30 (30 days after the invoice date) or EOM_FOLLOWING (end of the following month).",
)
strawberry.enum(
    TaxCategory, name="TaxCategory", description="JP consumption tax category: STANDARD 10 %, REDUCED 8 %, EXEMPT."
)
strawberry.enum(
    InvoiceEventType, name="InvoiceEventType",
    description="What happened to an invoice: INVOICE_ISSUED, INVOICE_PAID, INVOICE_VOIDED, INVOICE_PAST_DUE (its "
    "due date passed unpaid; recorded by the daily run) or CREDIT_NOTE_ISSUED (with a void). The change feed "
    "(`invoiceEvents`) and webhooks (as `invoice.issued`, `credit_note.issued`…) carry these.",
)
