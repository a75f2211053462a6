"""Output types: payment settings, credit card, invoice profile and its history,
invoice applications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from billing.access.caller import PAYMENT_READ_SCOPES
from billing.payment_settings.applications import application_fees, applications_by_id
from billing.payment_settings.coverages import CoverageSettings, ProfileView
from billing.payment_settings.profiles import profile_history, profiles_by_id
from models.invoice_profile import PROFILE_FIELDS, InvoiceApplication, ProfileChange
from schema.context import Info
from schema.ids import resolve_int_nodes
from schema.pagination import AfterArg, FirstArg, keyset_connection
from schema.payment.enums import ApplicationStatus, DeliveryMethod, Language, PaymentMethod
from schema.permissions import readable_by
from schema.types.account import AccountNode
from schema.types.enums import Coverage, Currency
from schema.types.money import MoneyType


@strawberry.type(description="The card a coverage pays with (card details never reach this service).")
class CreditCard:
    brand: str = strawberry.field(description="The card brand, e.g. visa.")
    last4: str = strawberry.field(description="The last four digits of the card number.")
    exp_month: int = strawberry.field(description="Expiry month, 1-12.")
    exp_year: int = strawberry.field(description="Expiry year, four digits.")
    error_code: str | None = strawberry.field(
        description="Why the card is in error (e.g. CARD_DECLINED) until another card is registered; null when fine."
    )
    receipt_email: str | None = strawberry.field(description="Where invoices paid by this card are emailed.")
    receipt_language: Language | None = strawberry.field(
        description="The language of those emails."
    )


@strawberry.type(description="One field changed by one edit of an invoice profile.")
class InvoiceProfileChange:
    version: int = strawberry.field(description="The profile version this edit produced.")
    changed_by: str = strawberry.field(description="Who made the edit (OAuth subject).")
    changed_at: datetime = strawberry.field(description="When the edit was made (UTC).")
    field: str = strawberry.field(description="The field changed, named as in the input (camelCase).")
    old_value: JSON | None = strawberry.field(description="The value before the edit.")
    new_value: JSON | None = strawberry.field(description="The value after the edit.")

    @classmethod
    def from_model(cls, row: ProfileChange) -> InvoiceProfileChange:
        return cls(
            version=row.version, changed_by=row.changed_by, changed_at=row.changed_at,
            field=row.field, old_value=row.old_value, new_value=row.new_value,
        )


@strawberry.interface(description="Bill-to information: who invoices are addressed to, and how they are sent.")
class BillTo:
    company_name: str = strawberry.field(description="The company invoiced.")
    department: str | None = strawberry.field(description="The department, if any.")
    contact_name: str = strawberry.field(description="The person invoices are addressed to.")
    billing_email: str = strawberry.field(description="The one address invoices are emailed to.")
    cc_emails: list[str] = strawberry.field(description="Up to 5 addresses copied on invoice emails.")
    phone: str = strawberry.field(description="A phone number for billing questions.")
    postal_code: str = strawberry.field(description="The postal code (Japan: 123-4567).")
    country: str = strawberry.field(description="ISO 3166 two-letter country code.")
    region: str | None = strawberry.field(description="Prefecture, state or region.")
    city: str = strawberry.field(description="City, ward or town.")
    address_lines: list[str] = strawberry.field(description="Street address, 1 to 3 lines.")
    tax_registration_number: str | None = strawberry.field(
        description="Japan's qualified-invoice registration number (T + 13 digits), if any."
    )
    delivery_method: DeliveryMethod = strawberry.field(description="Email or post.")
    language: Language = strawberry.field(description="Language of invoices and emails.")


def _bill_to(row: object) -> dict[str, object]:
    return {name: getattr(row, name) for name in PROFILE_FIELDS}


@readable_by(PAYMENT_READ_SCOPES)
@strawberry.type(
    name="InvoiceProfile",
    description="The invoice information one coverage, or two merged coverages, pay through. Versioned.",
)
class InvoiceProfileNode(BillTo, relay.Node):
    id: relay.NodeID[int]
    version: int = strawberry.field(description="Grows by one on every change; name it in updateInvoiceProfile.")
    coverages: list[Coverage] = strawberry.field(
        description="The coverages paying through this profile (both when merged)."
    )
    updated_at: datetime = strawberry.field(description="When the profile last changed (UTC).")

    @classmethod
    def from_view(cls, view: ProfileView) -> InvoiceProfileNode:
        profile = view.profile
        return cls(
            id=profile.id, version=profile.version, coverages=list(view.coverages),
            updated_at=profile.updated_at, **_bill_to(profile),
        )

    @strawberry.field(description="Who changed which field, from what, to what, and when; newest first.")
    async def history(
        self, first: FirstArg = None, after: AfterArg = None
    ) -> relay.Connection[InvoiceProfileChange]:
        return await keyset_connection(
            profile_history(self.id), order_by=("-id",), first=first, after=after,
            to_node=InvoiceProfileChange.from_model,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[InvoiceProfileNode | None]:
        """Only the caller's account's profiles resolve; a foreign id answers like a missing one."""
        caller = info.context.caller
        return await resolve_int_nodes(node_ids, lambda keys: profiles_by_id(caller, keys), cls.from_view)


@readable_by(PAYMENT_READ_SCOPES)
@strawberry.type(name="InvoiceApplication", description="A request to pay a coverage by invoice, decided by staff.")
class InvoiceApplicationNode(BillTo, relay.Node):
    id: relay.NodeID[int]
    coverage: Coverage = strawberry.field(description="The coverage that would pay by invoice.")
    status: ApplicationStatus = strawberry.field(description="Pending, approved or rejected.")
    rejection_reason: str | None = strawberry.field(description="Why staff rejected it; null otherwise.")
    switching_fee: MoneyType = strawberry.field(description="The one-time fee for switching to invoice payment.")
    monthly_issue_fee: MoneyType = strawberry.field(description="The fee for each month's invoice.")
    applied_by: str = strawberry.field(description="Who applied (OAuth subject).")
    applied_at: datetime = strawberry.field(description="When it was filed (UTC).")
    decided_at: datetime | None = strawberry.field(description="When staff decided (UTC); null while pending.")
    account_id: strawberry.Private[object]

    @classmethod
    def from_model(cls, row: InvoiceApplication) -> InvoiceApplicationNode:
        switching, monthly = application_fees(row)
        return cls(
            id=row.id, coverage=row.coverage, status=row.status, rejection_reason=row.rejection_reason,
            switching_fee=MoneyType.from_domain(switching), monthly_issue_fee=MoneyType.from_domain(monthly),
            applied_by=row.applied_by, applied_at=row.applied_at, decided_at=row.decided_at,
            account_id=row.account_id, **_bill_to(row),
        )

    @strawberry.field(description="The account that applied.")
    async def account(self, info: Info) -> AccountNode | None:
        account = await info.context.loaders.accounts.load(self.account_id)
        return AccountNode.from_model(account) if account else None

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[InvoiceApplicationNode | None]:
        """Staff see every application, customers with a payment-reading scope their account's;
        others answer null."""
        caller = info.context.caller
        return await resolve_int_nodes(node_ids, lambda keys: applications_by_id(caller, keys), cls.from_model)


@strawberry.type(description="How one coverage of the caller's account pays.")
class PaymentSettings:
    coverage: Coverage = strawberry.field(description="The coverage.")
    currency: Currency = strawberry.field(description="The coverage's billing currency.")
    payment_method: PaymentMethod | None = strawberry.field(
        description="Card or invoice; null while none is set up."
    )
    credit_card: CreditCard | None = strawberry.field(description="The card on file, if any.")
    invoice_profile: InvoiceProfileNode | None = strawberry.field(
        description="The invoice information this coverage pays through, if it pays by invoice."
    )
    invoice_application: InvoiceApplicationNode | None = strawberry.field(
        description="The latest application to pay this coverage by invoice, if any."
    )

    @classmethod
    def from_domain(cls, view: CoverageSettings) -> PaymentSettings:
        row = view.settings
        card = None
        if row is not None and row.card_reference is not None:
            card = CreditCard(
                brand=row.card_brand or "", last4=row.card_last4 or "", exp_month=row.card_exp_month or 0,
                exp_year=row.card_exp_year or 0, error_code=row.card_error_code,
                receipt_email=row.receipt_email, receipt_language=row.receipt_language,
            )
        return cls(
            coverage=view.coverage,
            currency=view.coverage.currency,
            payment_method=row.payment_method if row else None,
            credit_card=card,
            invoice_profile=InvoiceProfileNode.from_view(view.profile) if view.profile else None,
            invoice_application=InvoiceApplicationNode.from_model(view.application) if view.application else None,
        )
