"""Turns validated token claims into a ``Caller``: which account it acts for.

- A partner client of the embedded issuer (``sub`` is its ``client_id``) acts for
  the account the client belongs to.
- Staff carry the ``admin`` scope and act for no account.
- Anyone else is a member: the account comes from the subject's membership. A
  subject who is a member of several accounts names one with the
  ``X-Account-ID`` header.
"""

from __future__ import annotations

import uuid
from typing import Any

from billing.access.caller import ALL_SCOPES, SCOPE_ADMIN, Caller
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
    member = await _membership(subject, account_hint)
    return Caller(subject, scopes, client_id, member.account_id, member.role)


async def _membership(subject: str, account_hint: uuid.UUID | None) -> Member:
    query = Member.filter(subject=subject)
    if account_hint is not None:
        query = query.filter(account_id=account_hint)
    members = await query.limit(2)
    if not members:
        raise NotAuthorised("subject is not a member of any account")
    if len(members) > 1:
        raise NotAuthorised("subject belongs to several accounts; send X-Account-ID")
    return members[0]
