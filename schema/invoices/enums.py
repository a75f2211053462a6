"""Enums of the invoices feature, registered once as GraphQL enums (import them
from here; see ``schema.types.enums``)."""

from __future__ import annotations

from enum import Enum

import strawberry

from billing.invoicing.holds import HoldReason
from billing.invoicing.search import OrderField
from billing.rules.invoice_status import DisplayStatus
from models.terms import ChargeKind

__all__ = ["ChargeKind", "DisplayStatus", "HoldReason", "OrderDirection", "OrderField"]

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
strawberry.enum(
    OrderField, name="InvoiceOrderField",
    description="What invoices are sorted by: ISSUE_DATE, DUE_DATE, NUMBER, TOTAL (an invoice of two currencies, "
    "which has no single total, sorts before every amount; amounts of different currencies are compared as "
    "numbers: filter by coverage to compare like with like) or UPDATED_AT (when it last changed). Ties are broken "
    "by the invoice's internal order, so the order is total and stable.",
)


@strawberry.enum(description="ASC (smallest, earliest first) or DESC (largest, latest first).")
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"
