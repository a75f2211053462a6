"""Enums of the invoices feature, registered once as GraphQL enums (import them
from here; see ``schema.types.enums``)."""

from __future__ import annotations

import strawberry

from billing.rules.invoice_status import DisplayStatus
from models.terms import ChargeKind

__all__ = ["ChargeKind", "DisplayStatus"]

strawberry.enum(
    DisplayStatus, name="InvoiceStatus",
    description="ISSUED (open), PAST_DUE (open after its due date), PAID or VOID.",
)
strawberry.enum(
    ChargeKind, name="ChargeKind",
    description="RECURRING (the period's price), OVERAGE (usage beyond the commitment) or BURSTING (above the subscribed units).",
)
