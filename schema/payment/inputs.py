"""Inputs of the payment settings mutations."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from models.invoice_profile import PROFILE_FIELDS
from schema.payment.enums import DeliveryMethod, Language
from schema.types.enums import Coverage


def given_fields(data: object) -> dict[str, Any]:
    """The bill-to fields the client sent (``UNSET`` ones left out), snake_case."""
    values = {name: getattr(data, name, strawberry.UNSET) for name in PROFILE_FIELDS}
    return {name: value for name, value in values.items() if value is not strawberry.UNSET}


@strawberry.input(description="A tokenised card for a coverage.")
class RegisterCreditCardInput:
    coverage: Coverage = strawberry.field(
        description="The coverage the card pays for."
    )
    token: str = strawberry.field(description="The payment gateway's one-time card token.")
    confirm_switch_from_invoice: bool = strawberry.field(
        default=False, description="Required to be true when the coverage pays by invoice today."
    )
    receipt_email: str | None = strawberry.field(
        default=None,
        description="Where invoices paid by this card are emailed. Required with a coverage's first card; "
        "omitted later, the address on file is kept.",
    )
    receipt_language: Language | None = strawberry.field(
        default=None, description="Language of those emails; default: the one on file, else ja for JP and en for GLOBAL."
    )


@strawberry.input(description="An application to pay a coverage by invoice.")
class ApplyForInvoicePaymentInput:
    coverage: Coverage = strawberry.field(
        description="The coverage to pay by invoice."
    )
    company_name: str = strawberry.field(description="The company to invoice (fixed once approved).")
    department: str | None = strawberry.field(default=None, description="The department, if any.")
    contact_name: str = strawberry.field(description="The person invoices are addressed to.")
    billing_email: str = strawberry.field(description="The one address invoices are emailed to.")
    cc_emails: list[str] = strawberry.field(default_factory=list, description="Up to 5 addresses to copy.")
    phone: str = strawberry.field(description="Phone: 7-15 digits, optional +, spaces or hyphens.")
    postal_code: str = strawberry.field(description="Postal code in the country's format (JP: 123-4567).")
    country: str = strawberry.field(description="ISO 3166 two-letter country code.")
    region: str | None = strawberry.field(default=None, description="Prefecture, state or region.")
    city: str = strawberry.field(description="City, ward or town.")
    address_lines: list[str] = strawberry.field(description="Street address, 1 to 3 lines.")
    tax_registration_number: str | None = strawberry.field(
        default=None, description="Registration number: T + 13 digits with a valid check digit."
    )
    delivery_method: DeliveryMethod = strawberry.field(description="Email or post.")
    language: Language = strawberry.field(description="Language of invoices and emails.")


@strawberry.input(description="Changes to a coverage's invoice profile; only the fields given change.")
class UpdateInvoiceProfileInput:
    coverage: Coverage = strawberry.field(
        description="The coverage whose profile to edit."
    )
    expected_version: int = strawberry.field(description="The profile version the change is based on.")
    company_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Cannot change (IMMUTABLE_FIELD); apply again instead."
    )
    department: str | None = strawberry.field(default=strawberry.UNSET, description="New department; null clears.")
    contact_name: str | None = strawberry.field(default=strawberry.UNSET, description="New contact name.")
    billing_email: str | None = strawberry.field(default=strawberry.UNSET, description="New billing email.")
    cc_emails: list[str] | None = strawberry.field(default=strawberry.UNSET, description="New CC list (at most 5).")
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="New phone number.")
    postal_code: str | None = strawberry.field(default=strawberry.UNSET, description="New postal code.")
    country: str | None = strawberry.field(default=strawberry.UNSET, description="New country code.")
    region: str | None = strawberry.field(default=strawberry.UNSET, description="New region; null clears.")
    city: str | None = strawberry.field(default=strawberry.UNSET, description="New city.")
    address_lines: list[str] | None = strawberry.field(default=strawberry.UNSET, description="New address lines.")
    tax_registration_number: str | None = strawberry.field(
        default=strawberry.UNSET, description="New registration number; null clears."
    )
    delivery_method: DeliveryMethod | None = strawberry.field(
        default=strawberry.UNSET, description="New delivery method."
    )
    language: Language | None = strawberry.field(
        default=strawberry.UNSET, description="New language."
    )


@strawberry.input(description="Staff approve an invoice application.")
class ApproveInvoiceApplicationInput:
    application_id: relay.GlobalID = strawberry.field(description="The application's id.")


@strawberry.input(description="Staff reject an invoice application, with a reason the customer is emailed.")
class RejectInvoiceApplicationInput:
    application_id: relay.GlobalID = strawberry.field(description="The application's id.")
    reason: str = strawberry.field(description="Why it was rejected (at most 1000 characters).")


@strawberry.input(description="Pay `into` by invoice through `from`'s invoice profile.")
class MergeInvoicePaymentInput:
    from_: Coverage = strawberry.field(
        name="from", description="The coverage that pays by invoice."
    )
    into: Coverage = strawberry.field(
        description="The coverage to merge into that invoice payment."
    )


@strawberry.input(description="Give a merged coverage its own copy of the invoice profile.")
class UnmergeInvoicePaymentInput:
    coverage: Coverage = strawberry.field(description="The coverage to separate.")
