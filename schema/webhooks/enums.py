"""Enums of the webhooks feature, registered once as GraphQL enums (import them from here)."""

from __future__ import annotations

import strawberry

from models.webhooks import DeliveryStatus
from schema.types.enums import InvoiceEventType

__all__ = ["DeliveryStatus", "InvoiceEventType"]

strawberry.enum(
    DeliveryStatus, name="WebhookDeliveryStatus",
    description="PENDING (being tried, or waiting for its next try), SUCCEEDED (a 2xx answer) or FAILED (given up).",
)
