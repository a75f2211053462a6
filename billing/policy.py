"""The billing settings the invoicing use cases need, as one plain value.

Built from ``api.settings.Settings`` by the app and the CLI (``from_settings``);
tests build it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from billing.money import Currency, Money
from billing.tax import TaxRounding

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

    @classmethod
    def from_settings(cls, settings: object) -> BillingPolicy:
        return cls(
            issuer_name=getattr(settings, "issuer_name", cls.issuer_name),
            issuer_registration_number=getattr(settings, "issuer_registration_number", cls.issuer_registration_number),
            card_countries=frozenset(getattr(settings, "card_countries", DEFAULT_CARD_COUNTRIES)),
            tax_rounding=TaxRounding(getattr(settings, "tax_rounding", TaxRounding.DOWN.value)),
        )

    def issuer(self) -> dict[str, str | None]:
        return {"name": self.issuer_name, "registration_number": self.issuer_registration_number}
