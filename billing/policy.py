"""The billing settings the invoicing use cases need, as one plain value.

Built once from the settings by ``api.services.Services``; tests build it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from billing.rules.tax import TaxRounding
from kit.money import Currency, Money

DEFAULT_CARD_COUNTRIES = frozenset({"US", "CA", "GB", "AU", "SG"})


@dataclass(frozen=True)
class BillingPolicy:
    """``card_countries``: ISO country codes where orders under ``card_threshold``
    must be paid by card (GLOBAL coverage). The issuer appears on every invoice
    (a qualified invoice names the issuer's registration number)."""

    issuer_name: str = "Billing Portal K.K."
    issuer_registration_number: str | None = "T7000012050002"
    card_countries: frozenset[str] = field(default_factory=lambda: DEFAULT_CARD_COUNTRIES)
    card_threshold: Money = field(default_factory=lambda: Money(Decimal("2000.00"), Currency.USD))
    tax_rounding: TaxRounding = TaxRounding.DOWN

    def issuer(self) -> dict[str, str | None]:
        return {"name": self.issuer_name, "registration_number": self.issuer_registration_number}
