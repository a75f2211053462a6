"""OAuth clients of the embedded authorization server and the tokens it issued."""

from __future__ import annotations

from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.accounts import Account


class OAuthClient(Model):
    """A confidential client (a partner system) that belongs to one account.

    Only a hash of the secret is stored. ``scopes`` is the fixed, space-separated
    set of scopes the client may ask for.
    """

    id = fields.IntField(primary_key=True)
    client_id = fields.CharField(max_length=64, unique=True)
    secret_hash = fields.CharField(max_length=255)
    name = fields.CharField(max_length=200)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="oauth_clients", on_delete=fields.CASCADE
    )
    account_id: UUID
    scopes = fields.CharField(max_length=500)
    created_at = fields.DatetimeField(auto_now_add=True)
    disabled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_clients"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class IssuedToken(Model):
    """One access token issued by the embedded issuer, kept for revocation and
    introspection (RFC 7009, RFC 7662). The token itself is not stored."""

    jti = fields.CharField(max_length=64, primary_key=True)
    client_id = fields.CharField(max_length=64, db_index=True)
    subject = fields.CharField(max_length=255)
    scope = fields.CharField(max_length=500)
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "issued_tokens"
