"""Enums of the orders feature, registered once as GraphQL enums (import them from
here; see ``schema.types.enums``)."""

from __future__ import annotations

import strawberry

from billing.rules.periods import BillingFrequency

__all__ = ["BillingFrequency"]

strawberry.enum(
    BillingFrequency, name="BillingFrequency", description="How often a subscription is invoiced, in advance or in arrears."
)
