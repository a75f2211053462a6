"""OAuth clients of the embedded authorization server and the tokens it issued."""

from __future__ import annotations

from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.accounts import Account


class OAuthClient(Model):
    """A client of the embedded authorization server.

    A *confidential* client (a partner system) belongs to one account and
    authenticates with a secret, of which only a hash is stored; it uses the client
    credentials grant. A *public* client (the console, a mobile app) belongs to no
    account and has no secret: it signs people in with the authorization code grant
    and PKCE, and may redirect only to its exact ``redirect_uris``. ``scopes`` is the
    fixed, space-separated set of scopes the client may ask for.
    """

    id = fields.IntField(primary_key=True)
    client_id = fields.CharField(max_length=64, unique=True)
    secret_hash = fields.CharField(max_length=255, null=True)
    name = fields.CharField(max_length=200)
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="oauth_clients", on_delete=fields.CASCADE, null=True
    )
    account_id: UUID | None
    is_public = fields.BooleanField(default=False)
    redirect_uris: list[str] = fields.JSONField(default=list)
    scopes = fields.CharField(max_length=500)
    created_at = fields.DatetimeField(auto_now_add=True)
    disabled_at = fields.DatetimeField(null=True)
    # Who made it (a subject, or the CLI) and when it last got a token.
    created_by = fields.CharField(max_length=255, null=True)
    last_used_at = fields.DatetimeField(null=True)
    secret_rotated_at = fields.DatetimeField(null=True)

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


class AuthorizationCode(Model):
    """An authorization code (RFC 6749 4.1) with its PKCE challenge (RFC 7636, S256).

    Only a SHA-256 of the code is stored. A code is used once (``used_at``) and
    lives a short time (``expires_at``)."""

    id = fields.IntField(primary_key=True)
    code_hash = fields.CharField(max_length=64, unique=True)
    client_id = fields.CharField(max_length=64)
    subject = fields.CharField(max_length=255)
    redirect_uri = fields.CharField(max_length=2000)
    scope = fields.CharField(max_length=500)
    code_challenge = fields.CharField(max_length=128)
    code_challenge_method = fields.CharField(max_length=10)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "authorization_codes"


class RefreshToken(Model):
    """One refresh token of a rotation family (RFC 9700 4.14.2).

    Each refresh uses the presented token (``used_at``) and issues the next one in
    the same ``family``; presenting a used one again revokes the whole family
    (``revoked_at`` on every row). ``family_started_at`` bounds the family's
    lifetime, ``expires_at`` the idle time of this token. Only a SHA-256 of the
    token is stored."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    family = fields.UUIDField(db_index=True)
    client_id = fields.CharField(max_length=64)
    subject = fields.CharField(max_length=255, db_index=True)
    scope = fields.CharField(max_length=500)
    family_started_at = fields.DatetimeField()
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"
