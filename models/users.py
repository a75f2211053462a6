"""People who sign in on the embedded issuer's sign-in page (local users)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class User(Model):
    """A person with a password on the embedded issuer. ``subject`` is the ``sub``
    of the tokens they get, the same subject their account memberships name.
    Only an argon2id hash of the password is stored."""

    id = fields.IntField(primary_key=True)
    subject = fields.CharField(max_length=255, unique=True)
    email = fields.CharField(max_length=254)
    password_hash = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)
    password_changed_at = fields.DatetimeField()
    disabled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "users"
