"""Turns validated token claims into a ``Caller``: which account it acts for.

- A partner client of the embedded issuer (``sub`` is its ``client_id``) acts for
  the account the client belongs to.
- Staff carry the ``admin`` scope and act for no account.
- Anyone else is a member: the account comes from the subject's membership. A
  subject who is a member of several accounts names one with the
  ``X-Account-ID`` header; without it they are still signed in, but act for no
  account until they choose (``Caller.must_choose_account``). A header naming an
  account the subject is no member of identifies nobody.

``memberships`` lists the accounts a member may choose from.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from billing.access.caller import ACCOUNT_READ_SCOPES, ALL_SCOPES, SCOPE_ADMIN, Caller
from billing.access.rules import may_read
from models.accounts import Member, member_lookup
from models.oauth import IssuedToken, OAuthClient


class NotAuthorised(Exception):
    """The token is valid but does not identify anyone who may use this service."""


async def resolve_caller(
    claims: dict[str, Any], *, own_issuer: str, account_hint: uuid.UUID | None, unrevoked_jti: str | None = None,
    is_revoked: RevocationCheck | None = None,
) -> Caller:
    """The caller the validated ``claims`` identify; ``account_hint`` is the account
    a member of several accounts chose (the ``X-Account-ID`` header, already parsed).

    ``unrevoked_jti``: a token id of the embedded issuer whose revocation the
    validator left to this function (``NotAuthorised`` when it is revoked or was
    never issued here, before anything else is looked at), checked with the
    validator's ``is_revoked``, except that a member's lookup and that check are one
    statement (the same condition: an issued token with no ``revoked_at``)."""
    subject = claims["sub"]
    client_id = claims["client_id"]
    scopes = frozenset(s for s in str(claims.get("scope", "")).split() if s in ALL_SCOPES)
    is_client = claims["iss"] == own_issuer and subject == client_id
    check = is_revoked or _stored_revocation
    if unrevoked_jti is not None and (is_client or SCOPE_ADMIN in scopes):
        await require_unrevoked(unrevoked_jti, check)
    if is_client:
        client = await OAuthClient.get_or_none(client_id=client_id, disabled_at=None)
        if client is None:
            raise NotAuthorised("client is unknown or disabled")
        return Caller(subject, scopes & frozenset(client.scope_list), client_id, client.account_id)
    if SCOPE_ADMIN in scopes:
        return Caller(subject, scopes, client_id)
    return await _member(subject, scopes, client_id, account_hint, unrevoked_jti, check)


async def _stored_revocation(jti: str) -> bool:
    return not await IssuedToken.filter(jti=jti, revoked_at=None).exists()


RevocationCheck = Callable[[str], Awaitable[bool]]
"""Whether a token id of the embedded issuer is revoked (or was never issued here)."""


async def require_unrevoked(jti: str, is_revoked: RevocationCheck) -> None:
    """Revoked, or never issued here: both mean the token must not be honoured."""
    if await is_revoked(jti):
        raise NotAuthorised(_REVOKED)


_REVOKED = "token has been revoked"
"""The same words as the validator's own revocation check (``api.oauth.validation``)."""


async def _member(
    subject: str, scopes: frozenset[str], client_id: str, account_hint: uuid.UUID | None, unrevoked_jti: str | None,
    is_revoked: RevocationCheck,
) -> Caller:
    members = await member_lookup(subject, account_hint, unrevoked_jti)
    if unrevoked_jti is not None:
        if not members:  # no member: the revocation check first, as if it had run alone
            await require_unrevoked(unrevoked_jti, is_revoked)
        elif not members[0][2]:
            raise NotAuthorised(_REVOKED)
    if not members:
        if account_hint is not None:
            raise NotAuthorised("subject is not a member of the account X-Account-ID names")
        raise NotAuthorised("subject is not a member of any account")
    if len(members) > 1:
        return Caller(subject, scopes, client_id, must_choose_account=True)
    account_id, role, _ = members[0]
    return Caller(subject, scopes, client_id, account_id, role)


async def memberships(caller: Caller) -> list[Member]:
    """Every membership of the caller's subject, its account loaded with it (one query),
    by account name. Empty for staff and partner clients, and for a token that may not
    read accounts (like ``viewer.account``)."""
    if not caller.is_member or not may_read(caller, ACCOUNT_READ_SCOPES):
        return []
    query = Member.filter(subject=caller.subject).select_related("account")
    return await query.order_by("account__name", "account_id")
