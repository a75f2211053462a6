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
from typing import Any

from billing.access.caller import ACCOUNT_READ_SCOPES, ALL_SCOPES, SCOPE_ADMIN, Caller
from billing.access.rules import may_read
from models.accounts import Member
from models.oauth import OAuthClient


class NotAuthorised(Exception):
    """The token is valid but does not identify anyone who may use this service."""


async def resolve_caller(
    claims: dict[str, Any], *, own_issuer: str, account_hint: uuid.UUID | None
) -> Caller:
    """The caller the validated ``claims`` identify; ``account_hint`` is the account
    a member of several accounts chose (the ``X-Account-ID`` header, already parsed)."""
    subject = claims["sub"]
    client_id = claims["client_id"]
    scopes = frozenset(s for s in str(claims.get("scope", "")).split() if s in ALL_SCOPES)
    if claims["iss"] == own_issuer and subject == client_id:
        client = await OAuthClient.get_or_none(client_id=client_id, disabled_at=None)
        if client is None:
            raise NotAuthorised("client is unknown or disabled")
        return Caller(subject, scopes & frozenset(client.scope_list), client_id, client.account_id)
    if SCOPE_ADMIN in scopes:
        return Caller(subject, scopes, client_id)
    return await _member(subject, scopes, client_id, account_hint)


async def _member(subject: str, scopes: frozenset[str], client_id: str, account_hint: uuid.UUID | None) -> Caller:
    query = Member.filter(subject=subject)
    if account_hint is not None:
        query = query.filter(account_id=account_hint)
    members = await query.limit(2)
    if not members:
        if account_hint is not None:
            raise NotAuthorised("subject is not a member of the account X-Account-ID names")
        raise NotAuthorised("subject is not a member of any account")
    if len(members) > 1:
        return Caller(subject, scopes, client_id, must_choose_account=True)
    return Caller(subject, scopes, client_id, members[0].account_id, members[0].role)


async def memberships(caller: Caller) -> list[Member]:
    """Every membership of the caller's subject, its account loaded with it (one query),
    by account name. Empty for staff and partner clients, and for a token that may not
    read accounts (like ``viewer.account``)."""
    if not caller.is_member or not may_read(caller, ACCOUNT_READ_SCOPES):
        return []
    query = Member.filter(subject=caller.subject).select_related("account")
    return await query.order_by("account__name", "account_id")
