from __future__ import annotations

import strawberry

from schema.context import Info
from schema.permissions import may_read_type
from schema.types.account import AccountNode
from schema.viewer.enums import Role


@strawberry.type(description="The authenticated caller of this request.")
class Viewer:
    subject: str = strawberry.field(description="The OAuth subject (a user, or a partner client's id).")
    scopes: list[str] = strawberry.field(description="The scopes this request carries.")
    client_id: str = strawberry.field(description="The OAuth client the token was issued to.")
    role: Role | None = strawberry.field(
        description="The member's role on the account; null for partner clients and staff."
    )
    is_staff: bool = strawberry.field(description="True for operators of the service (admin scope).")

    @strawberry.field(
        description="The account the caller acts for; null for staff and for a token without a customer scope."
    )
    async def account(self, info: Info) -> AccountNode | None:
        caller = info.context.caller
        account_id = caller.account_id
        if account_id is None or not may_read_type(caller, AccountNode):
            return None
        account = await info.context.loaders.accounts.load(account_id)
        return AccountNode.from_model(account) if account else None
