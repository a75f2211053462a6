"""Enums of the invoices feature, registered once as GraphQL enums (import them
from here; see ``schema.types.enums``)."""

from __future__ import annotations

import strawberry

from billing.invoicing.holds import HoldReason
from billing.rules.invoice_status import DisplayStatus
from models.terms import ChargeKind

__all__ = ["ChargeKind", "DisplayStatus", "HoldReason"]

strawberry.enum(
    DisplayStatus, name="InvoiceStatus",
    description="ISSUED (open), PAST_DUE (open after its due date), PAID or VOID.",
)
strawberry.enum(
    ChargeKind, name="ChargeKind",
    description="RECURRING (the period's price), OVERAGE (usage beyond the commitment), BURSTING (above the subscribed units) "
    "or POST_TERM (hourly use after the term end).",
)
strawberry.enum(
    HoldReason, name="HoldReason",
    description="Why a subscription with charges due was not invoiced: PAYMENT_METHOD_MISSING (its coverage has "
    "neither a card nor an invoice profile) or PURCHASE_ORDER_MISSING (it requires a PO and has neither a PO "
    "nor an exemption). It is invoiced by the first run after that is fixed.",
)
