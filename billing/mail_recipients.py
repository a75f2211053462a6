"""Where a coverage's billing emails go, and in which language.

A coverage that pays by invoice mails its profile's billing email with the CCs,
in the profile's language. A coverage that pays by card has no profile: it mails
the receipt address given with the card. Every invoice email (issued, card
declined, held for a PO) is addressed through here, so no kind can miss one.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.coverage import Coverage
from models.invoice_profile import InvoiceProfile, Language
from models.payment import PaymentSettings


@dataclass(frozen=True)
class MailRecipients:
    to: list[str]
    cc: list[str]
    language: str
    company_name: str


def default_language(coverage: Coverage) -> Language:
    return Language.JA if coverage is Coverage.JP else Language.EN


def mail_recipients(
    coverage: Coverage, settings: PaymentSettings | None, profile: InvoiceProfile | None, account_name: str
) -> MailRecipients | None:
    """None only when the coverage has neither a profile nor a card receipt address."""
    if profile is not None:
        return MailRecipients(
            [profile.billing_email], list(profile.cc_emails or []), profile.language.value, profile.company_name
        )
    if settings is not None and settings.receipt_email:
        language = settings.receipt_language or default_language(coverage)
        return MailRecipients([settings.receipt_email], [], language.value, account_name)
    return None
