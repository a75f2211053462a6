"""Partner clients queries (mixed into the root ``Query``)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from billing.access.caller import SCOPE_ADMIN, SCOPE_BILLING_READ, SCOPE_BILLING_WRITE
from billing.partner_clients import partner_clients_query
from schema.clients.types import PartnerClient
from schema.context import Info
from schema.ids import account_of
from schema.pagination import AfterArg, FirstArg, keyset_connection
from schema.permissions import requires
from schema.types.account import AccountArg


@strawberry.type
class PartnerClientQueries:
    @strawberry.field(
        description="The account's partner clients, disabled ones included, oldest first. Only the account's "
        "OWNER and BILLING_ADMIN members see them (other members and partners get none); staff see every "
        "account's, or `accountId`'s.",
        extensions=[requires(SCOPE_BILLING_READ, SCOPE_BILLING_WRITE, SCOPE_ADMIN)],
    )
    async def partner_clients(
        self, info: Info, account_id: AccountArg = None, first: FirstArg = None, after: AfterArg = None
    ) -> relay.Connection[PartnerClient]:
        query = partner_clients_query(info.context.caller, account_of(account_id))
        return await keyset_connection(
            query, order_by=("id",), first=first, after=after, to_node=PartnerClient.from_model
        )
