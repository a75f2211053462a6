"""Output types of the partner clients feature."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from models.oauth import OAuthClient
from schema.context import Info
from schema.types.account import AccountNode


@strawberry.type(
    description="A partner's OAuth client (client credentials) that reads one account. Never shows its secret: "
    "that is shown once, when it is created or rotated."
)
class PartnerClient:
    client_id: str = strawberry.field(
        description="The OAuth client_id the partner authenticates with at /oauth/token (HTTP Basic user name)."
    )
    name: str = strawberry.field(description="A name to recognise the client by.")
    scopes: list[str] = strawberry.field(
        description="The scopes it may ask for: invoices:read and/or billing:read (without `scope`, it gets all)."
    )
    created_at: datetime = strawberry.field(description="When it was registered (UTC).")
    created_by: str | None = strawberry.field(
        description="Who registered it: the OAuth subject of the owner or staff member, `portal-cli` for the "
        "operator's command line; null for clients registered before this was recorded."
    )
    last_used_at: datetime | None = strawberry.field(
        description="When the token endpoint last issued it a token (UTC); null if it never got one."
    )
    secret_rotated_at: datetime | None = strawberry.field(
        description="When its secret was last replaced (UTC); null if it still has its first."
    )
    disabled_at: datetime | None = strawberry.field(
        description="When it was disabled (UTC): it gets no tokens and its tokens are refused. Null while enabled."
    )
    account_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: OAuthClient) -> PartnerClient:
        assert row.account_id is not None, "a partner client belongs to an account"
        return cls(
            client_id=row.client_id, name=row.name, scopes=row.scope_list, created_at=row.created_at,
            created_by=row.created_by, last_used_at=row.last_used_at, secret_rotated_at=row.secret_rotated_at,
            disabled_at=row.disabled_at, account_id=row.account_id,
        )

    @strawberry.field(description="The account whose data it reads.")
    async def account(self, info: Info) -> AccountNode | None:
        account = await info.context.loaders.accounts.load(self.account_id)
        return AccountNode.from_model(account) if account else None
