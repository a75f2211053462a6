"""Invoice profiles (the bill-to information), their change history, and the
applications that create them."""

from __future__ import annotations

import json
from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.coverage import Coverage

if TYPE_CHECKING:
    from models.accounts import Account


class DeliveryMethod(str, Enum):
    EMAIL = "EMAIL"
    POST = "POST"


class Language(str, Enum):
    JA = "ja"
    EN = "en"


class ApplicationStatus(str, Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


# The bill-to fields shared by applications and profiles, in display order.
PROFILE_FIELDS = (
    "company_name",
    "department",
    "contact_name",
    "billing_email",
    "cc_emails",
    "phone",
    "postal_code",
    "country",
    "region",
    "city",
    "address_lines",
    "tax_registration_number",
    "delivery_method",
    "language",
)


class _BillTo(Model):
    company_name = fields.CharField(max_length=200)
    department = fields.CharField(max_length=200, null=True)
    contact_name = fields.CharField(max_length=100)
    billing_email = fields.CharField(max_length=254)
    cc_emails: fields.JSONField[list[str]] = fields.JSONField(default=list)
    phone = fields.CharField(max_length=30)
    postal_code = fields.CharField(max_length=12)
    country = fields.CharField(max_length=2)
    region = fields.CharField(max_length=100, null=True)
    city = fields.CharField(max_length=100)
    address_lines: fields.JSONField[list[str]] = fields.JSONField(default=list)
    tax_registration_number = fields.CharField(max_length=14, null=True)
    delivery_method = fields.CharEnumField(DeliveryMethod, max_length=10)
    language = fields.CharEnumField(Language, max_length=2)

    class Meta:
        abstract = True

    def bill_to(self) -> dict[str, Any]:
        """The bill-to fields as plain values (enums as their values)."""
        values = {}
        for name in PROFILE_FIELDS:
            value = getattr(self, name)
            values[name] = value.value if isinstance(value, Enum) else value
        return values


class InvoiceProfile(_BillTo):
    """The invoice information one or two coverages pay through. ``version``
    grows by one on every change (optimistic concurrency)."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="invoice_profiles", on_delete=fields.CASCADE
    )
    account_id: UUID
    version = fields.IntField(default=1)
    # The coverage the profile was approved (or unmerged) for: merged invoices are
    # numbered in its sequence. Null on profiles from before it was recorded.
    home_coverage = fields.CharEnumField(Coverage, max_length=10, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invoice_profiles"


class ProfileChange(Model):
    """One field changed by one edit: who, when, which version, from what, to what."""

    id = fields.IntField(primary_key=True)
    profile: fields.ForeignKeyRelation[InvoiceProfile] = fields.ForeignKeyField(
        "portal.InvoiceProfile", related_name="changes", on_delete=fields.CASCADE
    )
    profile_id: int
    version = fields.IntField(description="the profile version this edit produced")
    changed_by = fields.CharField(max_length=255)
    changed_at = fields.DatetimeField()
    field = fields.CharField(max_length=40)
    # JSON text of the value (a string, a list of strings or null): JSONField
    # would read a plain string value as JSON source.
    old_json = fields.TextField()
    new_json = fields.TextField()

    @property
    def old_value(self) -> Any:
        return json.loads(self.old_json)

    @property
    def new_value(self) -> Any:
        return json.loads(self.new_json)

    class Meta:
        table = "invoice_profile_changes"


class InvoiceApplication(_BillTo):
    """A request to pay a coverage by invoice, decided by staff. The fees in
    force when it was filed are kept on it (JPY)."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="invoice_applications", on_delete=fields.CASCADE
    )
    account_id: UUID
    coverage = fields.CharEnumField(Coverage, max_length=10)
    status = fields.CharEnumField(ApplicationStatus, max_length=10, default=ApplicationStatus.PENDING)
    switching_fee_jpy = fields.IntField()
    monthly_fee_jpy = fields.IntField()
    applied_by = fields.CharField(max_length=255)
    applied_at = fields.DatetimeField(auto_now_add=True)
    decided_by = fields.CharField(max_length=255, null=True)
    decided_at = fields.DatetimeField(null=True)
    rejection_reason = fields.CharField(max_length=1000, null=True)
    profile: fields.ForeignKeyNullableRelation[InvoiceProfile] = fields.ForeignKeyField(
        "portal.InvoiceProfile", related_name="applications", null=True, on_delete=fields.SET_NULL
    )
    profile_id: int | None

    class Meta:
        table = "invoice_applications"
