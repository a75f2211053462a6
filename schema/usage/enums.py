"""Enums of the usage feature, registered once as GraphQL enums (import them from here)."""

from __future__ import annotations

import strawberry

from billing.invoicing.usage_batch import Disposition

__all__ = ["Disposition"]

strawberry.enum(
    Disposition, name="UsageRecordDisposition",
    description="What became of one record of a batch: ACCEPTED (stored now), REPLAYED (its idempotency key was "
    "already stored with the same values: nothing new) or REJECTED (see its errors).",
)
