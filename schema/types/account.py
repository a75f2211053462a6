"""The customer account, shown by several features."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import strawberry
from strawberry import relay

from billing.access.caller import ACCOUNT_READ_SCOPES
from billing.accounts import accounts_by_id
from models.accounts import Account
from schema.context import Info
from schema.ids import uuid_key
from schema.permissions import readable_by

AccountArg = Annotated[
    relay.GlobalID | None,
    strawberry.argument(description="Staff: the account to read (customers always read their own)."),
]
"""The ``accountId`` argument of the queries staff use to read one account."""


@readable_by(ACCOUNT_READ_SCOPES)
@strawberry.type(name="Account", description="A customer organisation.")
class AccountNode(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The organisation's name.")

    @classmethod
    def from_model(cls, account: Account) -> AccountNode:
        return cls(id=str(account.id), name=account.name)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AccountNode | None]:
        """Only the caller's own account resolves (any account for staff); a foreign
        or malformed id answers like a missing one."""
        keys = [uuid_key(node_id) for node_id in node_ids]
        rows = await accounts_by_id(info.context.caller, [key for key in keys if key is not None])
        return [cls.from_model(rows[key]) if key in rows else None for key in keys]
