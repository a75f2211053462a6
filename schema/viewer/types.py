from __future__ import annotations

import strawberry

from billing.access.identity import memberships
from models.accounts import Member
from schema.context import Info
from schema.permissions import may_read_type
from schema.types.account import AccountNode
from schema.viewer.enums import Role


@strawberry.type(description="An account the signed-in person is a member of, and their role on it.")
class Membership:
    account: AccountNode = strawberry.field(
        description="The account. Send its `id` as the `X-Account-ID` header to act for it."
    )
    role: Role = strawberry.field(description="What the person may do on that account.")

    @classmethod
    def from_model(cls, member: Member) -> Membership:
        return cls(account=AccountNode.from_model(member.account), role=member.role)


@strawberry.type(description="The authenticated caller of this request.")
class Viewer:
    subject: str = strawberry.field(description="The OAuth subject (a user, or a partner client's id).")
    scopes: list[str] = strawberry.field(description="The scopes this request carries.")
    client_id: str = strawberry.field(description="The OAuth client the token was issued to.")
    role: Role | None = strawberry.field(
        description="The member's role on the account; null for partner clients and staff, and for a member of "
        "several accounts who sent no `X-Account-ID`."
    )
    is_staff: bool = strawberry.field(description="True for operators of the service (admin scope).")

    @strawberry.field(
        description="The account the caller acts for; null for staff and for a token without a customer scope. "
        "A member of several accounts chooses it with the `X-Account-ID` header; without it, this field "
        "answers the error ACCOUNT_NOT_CHOSEN."
    )
    async def account(self, info: Info) -> AccountNode | None:
        caller = info.context.caller
        if not may_read_type(caller, AccountNode) or caller.account_id is None:
            return None
        account = await info.context.loaders.accounts.load(caller.account_id)
        return AccountNode.from_model(account) if account else None

    @strawberry.field(
        description="Every account the signed-in person is a member of, with their role on each, by account "
        "name (whichever account `X-Account-ID` chose). Empty for staff, for partner clients (whose "
        "`account` is their own) and for a token without a customer scope."
    )
    async def memberships(self, info: Info) -> list[Membership]:
        return [Membership.from_model(member) for member in await memberships(info.context.caller)]
