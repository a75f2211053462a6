"""Customer accounts and the people (OAuth subjects) who act on them."""

from __future__ import annotations

from enum import Enum
from uuid import UUID

from tortoise import fields
from tortoise.models import Model


class Role(str, Enum):
    """What a member may do on an account."""

    OWNER = "OWNER"
    BILLING_ADMIN = "BILLING_ADMIN"
    VIEWER = "VIEWER"

    @property
    def can_write_billing(self) -> bool:
        return self in (Role.OWNER, Role.BILLING_ADMIN)


class Account(Model):
    """One customer organisation. Its id is a UUID so it cannot be guessed."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    members: fields.ReverseRelation[Member]

    class Meta:
        table = "accounts"


class Member(Model):
    """An OAuth subject with a role on an account."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="members", on_delete=fields.CASCADE
    )
    account_id: UUID
    subject = fields.CharField(max_length=255, db_index=True)
    role = fields.CharEnumField(Role, max_length=20)
    # Where the service writes to this person about the account (e.g. billing held
    # for want of a payment method); optional.
    email = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "members"
        unique_together = (("account", "subject"),)
