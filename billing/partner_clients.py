"""Partner clients: the confidential OAuth clients through which an account's partners
(accounting systems, resellers) read it with client credentials.

Who may do what is ``billing.access.rules``: the account's OWNER and BILLING_ADMIN
members (with billing:read or billing:write) and staff list them; only an OWNER with
billing:write, and staff, create, rotate and disable them. A client of another account,
a public client (the console, an app) or a malformed id all answer ``NOT_FOUND``.

A secret is shown once, when it is made; only its hash is stored. Secrets are made and
hashed by the authorization server's ``ClientCredentials`` (``api.oauth``), passed in by
the caller of a use case: the format and the hash are the server's business, and the
hash is expensive, so it runs in the server's bounded pool, before any transaction.

Rotating a secret or disabling a client also revokes every access token the client was
issued (and, for a public client disabled from the CLI, its refresh tokens): only tokens
obtained with the current secret of an enabled client are honoured.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from billing.access.caller import PAYMENT_READ_SCOPES, SCOPE_BILLING_READ, SCOPE_INVOICES_READ, Caller
from billing.access.rules import may_read_credentials, readable, require_credentials_owner
from billing.errors import BusinessError, ErrorCode
from billing.rules.text import normalise, text_error
from models.accounts import Account
from models.oauth import IssuedToken, OAuthClient, RefreshToken

PARTNER_SCOPES = (SCOPE_INVOICES_READ, SCOPE_BILLING_READ)
"""What a partner client may be given: reading invoices, or reading billing (payment
settings too). Never ``billing:write`` (partners change nothing) nor ``admin``."""
MAX_NAME = 200
MAX_CLIENT_ID = 64
"""The ``client_id`` column's length: a longer id names no client (and is not looked up)."""


@dataclass(frozen=True)
class NewSecret:
    secret: str
    secret_hash: str


class ClientCredentials(Protocol):
    """How the authorization server makes client ids and secrets (``api.oauth.credentials``)."""

    def new_client_id(self) -> str: ...

    async def new_secret(self) -> NewSecret:
        """A new secret and its hash (computed off the event loop)."""
        ...


@dataclass(frozen=True)
class IssuedSecret:
    """A client with the secret it was just given: shown to the caller once, never stored."""

    client: OAuthClient
    secret: str


def _now() -> datetime:
    return datetime.now(UTC)


def partner_clients_query(caller: Caller, account_id: uuid.UUID | None = None) -> QuerySet[OAuthClient]:
    """The partner (confidential) clients ``caller`` may see: staff every account's (or
    ``account_id``'s), an OWNER or BILLING_ADMIN with billing:read or billing:write their
    own account's; anyone else none. Disabled clients included."""
    query = OAuthClient.filter(is_public=False, account_id__isnull=False)
    if not may_read_credentials(caller):
        return query.filter(pk__in=[])
    return readable(query, caller, scopes=PAYMENT_READ_SCOPES, account_id=account_id)


def all_clients_query(caller: Caller, account_id: uuid.UUID | None = None) -> QuerySet[OAuthClient]:
    """Staff (the CLI): every client, public ones too, oldest first; only ``account_id``'s
    when given (public clients belong to no account)."""
    query = readable(OAuthClient.all(), caller, scopes=(), account_id=account_id)
    return query.order_by("created_at", "id")


def check_partner_scopes(scopes: list[str]) -> list[str]:
    """The scopes, once each in the order given; ``BusinessError`` on ``scopes`` when
    none is given or one is not a partner scope."""
    if not scopes:
        raise BusinessError.single(
            ErrorCode.REQUIRED, f"scopes must name at least one of {', '.join(PARTNER_SCOPES)}.", "scopes"
        )
    refused = [scope for scope in dict.fromkeys(scopes) if scope not in PARTNER_SCOPES]
    if refused:
        shown = ", ".join(repr(scope[:40]) for scope in refused[:3])
        raise BusinessError.single(
            ErrorCode.INVALID,
            f"A partner client may hold only {' and '.join(PARTNER_SCOPES)}; refused: {shown}.",
            "scopes",
        )
    return list(dict.fromkeys(scopes))


async def create_partner_client(
    caller: Caller, credentials: ClientCredentials, name: str, scopes: list[str], account_id: uuid.UUID | None = None
) -> IssuedSecret:
    """Register a partner client of the caller's account (staff: of ``account_id``) and
    return it with its secret. ``createdBy`` is the caller's subject."""
    own_account = require_credentials_owner(caller)
    account = await _account_to_manage(own_account, account_id)
    name = normalise(name)
    errors = [error for error in (text_error(name, "name", MAX_NAME),) if error]
    try:
        scopes = check_partner_scopes(scopes)
    except BusinessError as exc:
        errors.extend(exc.errors)
    if errors:
        raise BusinessError(errors)
    new = await credentials.new_secret()
    client = await OAuthClient.create(
        client_id=credentials.new_client_id(), secret_hash=new.secret_hash, name=name, account_id=account,
        is_public=False, scopes=" ".join(scopes), created_by=caller.subject,
    )
    return IssuedSecret(client, new.secret)


async def _account_to_manage(own_account: uuid.UUID | None, account_id: uuid.UUID | None) -> uuid.UUID:
    """The account a new client belongs to: a customer's own (naming another answers like
    a missing one), or the existing account staff name."""
    if own_account is not None:
        if account_id not in (None, own_account):
            raise BusinessError.single(ErrorCode.NOT_FOUND, "No such account.", "accountId")
        return own_account
    if account_id is None:
        raise BusinessError.single(ErrorCode.REQUIRED, "Staff name the account (accountId).", "accountId")
    if not await Account.exists(id=account_id):
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such account.", "accountId")
    return account_id


async def rotate_client_secret(
    caller: Caller, credentials: ClientCredentials, client_id: str, *, public_too: bool = False
) -> IssuedSecret:
    """Give the client a new secret: the old one stops at once, and every access token
    issued to the client is revoked (the partner gets new ones with the new secret).
    ``public_too``: staff (the CLI) may name any client; a public client has no secret."""
    client = await _client_to_manage(caller, client_id, public_too=public_too)
    if client.is_public:
        raise BusinessError.single(ErrorCode.NOT_ALLOWED, "A public client has no secret to rotate.", "clientId")
    if client.disabled_at is not None:
        raise BusinessError.single(
            ErrorCode.NOT_ALLOWED, "The client is disabled; create a new one instead.", "clientId"
        )
    new = await credentials.new_secret()
    now = _now()
    async with in_transaction():
        changed = await OAuthClient.filter(id=client.id, disabled_at=None).update(
            secret_hash=new.secret_hash, secret_rotated_at=now
        )
        if not changed:  # disabled meanwhile
            raise BusinessError.single(
                ErrorCode.NOT_ALLOWED, "The client is disabled; create a new one instead.", "clientId"
            )
        await _revoke_tokens(client.client_id, now)
    await client.refresh_from_db()
    return IssuedSecret(client, new.secret)


async def disable_client(caller: Caller, client_id: str, *, public_too: bool = False) -> OAuthClient:
    """Disable the client for good: it gets no more tokens, and every token it holds
    (access tokens; a public client's refresh tokens too) is revoked, so the API refuses
    them at once and introspection calls them inactive. Disabling a disabled client
    changes nothing. ``public_too``: staff (the CLI) may name any client."""
    client = await _client_to_manage(caller, client_id, public_too=public_too)
    now = _now()
    async with in_transaction():
        await OAuthClient.filter(id=client.id, disabled_at=None).update(disabled_at=now)
        await _revoke_tokens(client.client_id, now)
    await client.refresh_from_db()
    return client


async def _revoke_tokens(client_id: str, now: datetime) -> None:
    """Revoke the client's live access tokens and refresh tokens (expired ones stay as they are)."""
    await IssuedToken.filter(client_id=client_id, revoked_at=None, expires_at__gt=now).update(revoked_at=now)
    await RefreshToken.filter(client_id=client_id, revoked_at=None).update(revoked_at=now)


async def _client_to_manage(caller: Caller, client_id: str, *, public_too: bool) -> OAuthClient:
    """The client ``caller`` may change, or ``NOT_FOUND`` on ``clientId``: missing, of
    another account, public (unless ``public_too`` and staff), or not an id at all."""
    own_account = require_credentials_owner(caller)
    client = None
    if 0 < len(client_id) <= MAX_CLIENT_ID and client_id.isascii() and client_id.isprintable():
        client = await OAuthClient.get_or_none(client_id=client_id)
    if client is not None and not (public_too and own_account is None) and client.is_public:
        client = None
    if client is not None and own_account is not None and client.account_id != own_account:
        client = None
    if client is None:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such client.", "clientId")
    return client

