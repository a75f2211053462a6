"""The billing settings the invoicing use cases need, as one plain value.

Built once from the settings by ``api.services.Services``; tests build it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from billing.rules.tax import TaxRounding
from kit.money import Currency, Money

DEFAULT_CARD_COUNTRIES = frozenset({"US", "CA", "GB", "AU", "SG"})


class AccountType(Enum):
    """Japanese bank account types: 普通 (ordinary) and 当座 (checking)."""

    ORDINARY = "ORDINARY"
    CHECKING = "CHECKING"


@dataclass(frozen=True)
class BankAccount:
    """Where a customer paying by invoice transfers the money. The holder is in
    half- or full-width kana, as a Japanese bank shows it on the transfer.
    Here, below the documents that print it, because it is a setting of the
    operator's like the issuer: the billing run receives it with the policy."""

    bank: str
    branch: str
    account_type: AccountType
    number: str
    holder_kana: str


@dataclass(frozen=True)
class BillingPolicy:
    """``card_countries``: ISO country codes where orders under ``card_threshold``
    must be paid by card (GLOBAL coverage). The issuer appears on every invoice
    (a qualified invoice names the issuer's registration number), and ``bank`` on
    every invoice document (None: printed without transfer details)."""

    issuer_name: str = "Billing Portal K.K."
    issuer_registration_number: str | None = "T7000012050002"
    card_countries: frozenset[str] = field(default_factory=lambda: DEFAULT_CARD_COUNTRIES)
    card_threshold: Money = field(default_factory=lambda: Money(Decimal("2000.00"), Currency.USD))
    tax_rounding: TaxRounding = TaxRounding.DOWN
    bank: BankAccount | None = None

    def issuer(self) -> dict[str, str | None]:
        return {"name": self.issuer_name, "registration_number": self.issuer_registration_number}
