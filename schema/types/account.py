from __future__ import annotations

import uuid
from collections.abc import Iterable

import strawberry
from strawberry import relay

from models.accounts import Account
from schema.context import Info


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
        caller = info.context.caller
        results: list[AccountNode | None] = []
        for node_id in node_ids:
            try:
                account_id = uuid.UUID(node_id)
            except ValueError:
                results.append(None)
                continue
            account = await info.context.loaders.accounts.load(account_id) if caller.can_read_account(account_id) else None
            results.append(cls.from_model(account) if account else None)
        return results
