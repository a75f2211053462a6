"""Enums of the payment settings feature, registered once as GraphQL enums
(import them from here; see ``schema.types.enums``)."""

from __future__ import annotations

import strawberry

from models.invoice_profile import ApplicationStatus, DeliveryMethod, Language
from models.payment import PaymentMethod

__all__ = ["ApplicationStatus", "DeliveryMethod", "Language", "PaymentMethod"]

strawberry.enum(PaymentMethod, name="PaymentMethod", description="How a coverage pays.")
strawberry.enum(DeliveryMethod, name="DeliveryMethod", description="How invoices reach the customer: by email or by post.")
strawberry.enum(Language, name="Language", description="The language of invoices and emails.")
strawberry.enum(
    ApplicationStatus, name="InvoiceApplicationStatus", description="Where an invoice payment application stands."
)
