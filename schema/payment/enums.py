"""GraphQL enums of the payment settings feature (the models' enums, exposed)."""

from __future__ import annotations

import strawberry

from models.coverage import Coverage
from models.invoice_profile import ApplicationStatus, DeliveryMethod, Language
from models.payment import PaymentMethod

CoverageEnum = strawberry.enum(
    Coverage, name="Coverage", description="Where a service is used and billed: JP (in JPY) or GLOBAL (in USD)."
)
PaymentMethodEnum = strawberry.enum(PaymentMethod, name="PaymentMethod", description="How a coverage pays.")
DeliveryMethodEnum = strawberry.enum(
    DeliveryMethod, name="DeliveryMethod", description="How invoices reach the customer: by email or by post."
)
LanguageEnum = strawberry.enum(Language, name="Language", description="The language of invoices and emails.")
ApplicationStatusEnum = strawberry.enum(
    ApplicationStatus, name="InvoiceApplicationStatus", description="Where an invoice payment application stands."
)
