"""The registry of message kinds: what each email needs to render.

Adding a kind is one entry in ``KINDS`` plus three template files per language
under ``notifications/templates/<kind>/``::

    subject.<lang>.txt   one line, the Subject header (Jinja2, no autoescape)
    body.<lang>.txt      the plain-text part (Jinja2, no autoescape)
    body.<lang>.html     the HTML part (Jinja2, autoescaped)

for every language in ``LANGUAGES`` ("ja" and "en"). A test checks that every
kind has all its templates and renders with sample data.

Each field has a simple type. ``enqueue`` validates the data against it and
stores it JSON-safe; the templates format it for the message's language:

- ``TEXT``   a non-empty string (``{{ company_name }}``)
- ``EMAIL``  an address (``{{ new_email }}``)
- ``DATE``   a ``datetime.date`` (stored ``"2026-01-31"``); ``{{ due_date | date }}``
             renders ``2026年1月31日`` / ``31 January 2026``
- ``MONEY``  ``kit.money.Money`` or ``{"amount": "1234.00", "currency": "USD"}``;
             ``{{ total | money }}`` renders ``¥12,345`` / ``12,345円`` / ``$1,234.00``
- ``INTEGER`` a whole number

A field declared ``optional(...)`` may be missing or ``None``: test it in the
template with ``{% if po_number %}``. Unknown fields are refused (a typo would
otherwise render as nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

LANGUAGES = ("ja", "en")


class FieldType(Enum):
    TEXT = "text"
    EMAIL = "email"
    DATE = "date"
    MONEY = "money"
    INTEGER = "integer"


@dataclass(frozen=True)
class FieldSpec:
    type: FieldType
    required: bool = True


def required(field_type: FieldType) -> FieldSpec:
    return FieldSpec(field_type, True)


def optional(field_type: FieldType) -> FieldSpec:
    return FieldSpec(field_type, False)


TEXT, EMAIL, DATE, MONEY, INTEGER = (
    FieldType.TEXT,
    FieldType.EMAIL,
    FieldType.DATE,
    FieldType.MONEY,
    FieldType.INTEGER,
)

# The kinds of message, named once: billing/customer_mail.py sends each through
# one function, and its templates live under templates/<kind>/.
INVOICE_ISSUED = "invoice_issued"
CREDIT_NOTE_ISSUED = "credit_note_issued"
BILLING_EMAIL_CHANGED = "billing_email_changed"
INVOICE_APPLICATION_DECIDED = "invoice_application_decided"
CARD_PAYMENT_FAILED = "card_payment_failed"
INVOICE_HELD_FOR_PO = "invoice_held_for_po"
BILLING_HELD_NO_PAYMENT_METHOD = "billing_held_no_payment_method"
WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"

KINDS: dict[str, dict[str, FieldSpec]] = {
    # An invoice was issued: to the profile's billing email with its CCs.
    INVOICE_ISSUED: {
        "company_name": required(TEXT),
        "invoice_number": required(TEXT),
        "total": required(MONEY),
        "other_total": optional(MONEY),  # the second currency's total, on an invoice of merged coverages
        "due_date": required(DATE),
        "po_number": optional(TEXT),
        "coverage": required(TEXT),
        # Where to transfer the amount (absent when the card is charged).
        "bank_name": optional(TEXT),
        "bank_branch": optional(TEXT),
        "bank_account_type": optional(TEXT),  # ORDINARY or CHECKING
        "bank_account_number": optional(TEXT),
        "bank_account_holder": optional(TEXT),
    },
    # An invoice was voided and its credit note issued: to the invoice's recipients.
    CREDIT_NOTE_ISSUED: {
        "company_name": required(TEXT),
        "credit_note_number": required(TEXT),
        "invoice_number": required(TEXT),
        "total": required(MONEY),
        "other_total": optional(MONEY),
        "coverage": required(TEXT),
    },
    # The billing email of an invoice profile changed: to the old and the new address.
    BILLING_EMAIL_CHANGED: {
        "company_name": required(TEXT),
        "old_email": required(EMAIL),
        "new_email": required(EMAIL),
        "changed_by": required(TEXT),
        "version": required(INTEGER),
    },
    # Staff decided on an invoice payment application: to its billing email and CCs.
    INVOICE_APPLICATION_DECIDED: {
        "company_name": required(TEXT),
        "coverage": required(TEXT),
        "status": required(TEXT),  # APPROVED or REJECTED
        "reason": optional(TEXT),  # the rejection reason
    },
    # A card charge for an issued invoice was declined (billing.invoicing.card_charges).
    CARD_PAYMENT_FAILED: {
        "company_name": required(TEXT),
        "invoice_number": required(TEXT),
        "total": required(MONEY),
        "error_code": required(TEXT),
        "coverage": required(TEXT),
    },
    # A subscription needs a PO and has none: its invoice is held (billing.invoicing.purchase_orders).
    INVOICE_HELD_FOR_PO: {
        "company_name": required(TEXT),
        "subscription": required(TEXT),
        "coverage": required(TEXT),
    },
    # A coverage has no payment method, so its subscription's invoice is held: to the account's owners.
    BILLING_HELD_NO_PAYMENT_METHOD: {
        "company_name": required(TEXT),
        "subscription": required(TEXT),
        "coverage": required(TEXT),
    },
    # The worker disabled a webhook endpoint after a run of failed attempts: to the account's owners.
    WEBHOOK_ENDPOINT_DISABLED: {
        "company_name": required(TEXT),
        "url": required(TEXT),
        "reason": required(TEXT),
        "failures": required(INTEGER),
    },
}
