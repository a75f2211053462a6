"""Orders queries (mixed into the root ``Query``)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from billing.invoicing.invoices import subscriptions_query
from schema.context import Info
from schema.ids import account_of
from schema.orders.types import SubscriptionNode
from schema.pagination import AfterArg, FirstArg, keyset_connection
from schema.permissions import requires_reader
from schema.types.account import AccountArg


@strawberry.type
class OrderQueries:
    @strawberry.field(
        description="Subscriptions with their lines and PO state, oldest first.",
        extensions=[requires_reader(SubscriptionNode)],
    )
    async def subscriptions(
        self, info: Info, account_id: AccountArg = None, first: FirstArg = None, after: AfterArg = None
    ) -> relay.Connection[SubscriptionNode]:
        query = subscriptions_query(info.context.caller, account_of(account_id))
        return await keyset_connection(query, order_by=("id",), first=first, after=after, to_node=SubscriptionNode.from_model)
