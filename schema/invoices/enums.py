"""GraphQL enums of the invoicing feature (the domain's enums, exposed)."""

from __future__ import annotations

import strawberry

from billing.rules.invoice_status import DisplayStatus
from billing.rules.payment_terms import PaymentTerms
from billing.rules.periods import BillingFrequency
from billing.rules.tax import TaxCategory
from models.outbox import OutboxStatus
from models.terms import ChargeKind

InvoiceStatusEnum = strawberry.enum(
    DisplayStatus, name="InvoiceStatus",
    description="ISSUED (open), PAST_DUE (open after its due date), PAID or VOID.",
)
BillingFrequencyEnum = strawberry.enum(
    BillingFrequency, name="BillingFrequency", description="How often a subscription is invoiced, in advance or in arrears."
)
PaymentTermsEnum = strawberry.enum(
    PaymentTerms, name="PaymentTerms",
    description="NET_30 (30 days after the invoice date) or EOM_FOLLOWING (end of the following month).",
)
TaxCategoryEnum = strawberry.enum(
    TaxCategory, name="TaxCategory", description="JP consumption tax category: STANDARD 10 %, REDUCED 8 %, EXEMPT."
)
EmailStatusEnum = strawberry.enum(
    OutboxStatus, name="InvoiceEmailStatus", description="Where the invoice email stands in the outbox."
)
ChargeKindEnum = strawberry.enum(
    ChargeKind, name="ChargeKind",
    description="RECURRING (the period's price), OVERAGE (usage beyond the commitment) or BURSTING (above the subscribed units).",
)
