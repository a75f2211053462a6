"""Access tokens minted directly by the operator (``portal token``).

They come from the same generator and storage as tokens of the token endpoint,
so they are validated, revoked and introspected the same way. Their
``client_id`` is the first-party console, ``portal-console``.
"""

from __future__ import annotations

from dataclasses import dataclass

from authlib.oauth2.rfc6749 import ClientMixin

from api.oauth import store
from api.oauth.server import PortalAuthorizationServer, _claims_of
from billing.access.caller import ALL_SCOPES, SCOPE_ADMIN
from models.accounts import Member

CONSOLE_CLIENT_ID = "portal-console"


@dataclass(frozen=True)
class _ConsoleClient(ClientMixin):
    def get_client_id(self) -> str:
        return CONSOLE_CLIENT_ID

    def get_allowed_scope(self, scope: str) -> str:
        return scope


@dataclass(frozen=True)
class _Subject:
    subject: str

    def get_user_id(self) -> str:
        return self.subject


class TokenRequestError(ValueError):
    """The operator asked for a token that cannot be issued."""


async def mint_access_token(server: PortalAuthorizationServer, subject: str, scopes: list[str]) -> str:
    """Issue a token for ``subject``: a member, or staff with ``admin``."""
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown or not scopes:
        raise TokenRequestError(f"unknown scope(s): {' '.join(unknown) or '(none given)'}; use {' '.join(ALL_SCOPES)}")
    if SCOPE_ADMIN not in scopes and not await Member.filter(subject=subject).exists():
        raise TokenRequestError(f"{subject!r} is not a member of any account (add one with 'portal members add')")
    token = server.generator.generate(
        grant_type="urn:portal:console",
        client=_ConsoleClient(),
        user=_Subject(subject),
        scope=" ".join(scopes),
        include_refresh_token=False,
    )
    await store.record_issued_token(_claims_of(token["access_token"]))
    return token["access_token"]
