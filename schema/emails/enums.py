"""Enums of the emails feature, registered once as GraphQL enums (import them from
here; see ``schema.types.enums``)."""

from __future__ import annotations

import strawberry

from models.outbox import OutboxStatus

__all__ = ["OutboxStatus"]

strawberry.enum(OutboxStatus, name="InvoiceEmailStatus", description="Where the invoice email stands in the outbox.")
