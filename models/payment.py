"""Per-coverage payment settings: the payment method, the card on file and the
invoice profile the coverage pays through.

One row per (account, coverage). Two coverages are *merged* when their rows point
to the same invoice profile; which coverages use a profile is derived from these
rows, never stored on the profile.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.coverage import Coverage
from models.invoice_profile import Language

if TYPE_CHECKING:
    from models.accounts import Account
    from models.invoice_profile import InvoiceProfile


class PaymentMethod(str, Enum):
    CREDIT_CARD = "CREDIT_CARD"
    INVOICE = "INVOICE"


class PaymentSettings(Model):
    """How one coverage of one account pays. Card details are the gateway's
    tokenised view: brand, last 4 digits, expiry and the gateway's reference."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="payment_settings", on_delete=fields.CASCADE
    )
    account_id: UUID
    coverage = fields.CharEnumField(Coverage, max_length=10)
    payment_method = fields.CharEnumField(PaymentMethod, max_length=20, null=True)
    card_brand = fields.CharField(max_length=40, null=True)
    card_last4 = fields.CharField(max_length=4, null=True)
    card_exp_month = fields.SmallIntField(null=True)
    card_exp_year = fields.SmallIntField(null=True)
    card_reference = fields.CharField(max_length=200, null=True)
    card_error_code = fields.CharField(max_length=40, null=True)
    # Where a card-paying coverage's invoice emails go (it has no invoice profile).
    receipt_email = fields.CharField(max_length=254, null=True)
    receipt_language = fields.CharEnumField(Language, max_length=2, null=True)
    invoice_profile: fields.ForeignKeyNullableRelation[InvoiceProfile] = fields.ForeignKeyField(
        "portal.InvoiceProfile", related_name="payment_settings", null=True, on_delete=fields.SET_NULL
    )
    invoice_profile_id: int | None
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "payment_settings"
        unique_together = (("account", "coverage"),)
