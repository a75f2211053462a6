"""The root types. Each feature contributes a query (and mutation) mixin class;
the roots inherit from all of them, in the order of a customer's life (payment
settings, orders, usage, invoices, their emails), so adding a feature is one
line here."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.context import Info
from schema.emails.mutations import EmailMutations
from schema.invoices.mutations import InvoiceMutations
from schema.invoices.queries import InvoiceQueries
from schema.orders.mutations import OrderMutations
from schema.orders.queries import OrderQueries
from schema.payment.mutations import PaymentMutations
from schema.payment.queries import PaymentQueries
from schema.usage.mutations import UsageMutations
from schema.usage.queries import UsageQueries
from schema.viewer.queries import ViewerQueries


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Any object by its global id; null when it does not exist or is not yours.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        # Written out rather than ``relay.node()``: that helper binds itself to this
        # class once, and the service builds one schema per set of limits.
        try:
            global_id = relay.GlobalID.from_id(id)
            global_id.resolve_type(info)
        except ValueError:  # malformed id or unknown type: same answer as missing
            return None
        return await global_id.resolve_node(info, required=False)


@strawberry.type(description="Everything a caller can read.")
class Query(ViewerQueries, NodeQueries, PaymentQueries, OrderQueries, UsageQueries, InvoiceQueries):
    pass


@strawberry.type(description="Everything a caller can change.")
class Mutation(PaymentMutations, OrderMutations, UsageMutations, InvoiceMutations, EmailMutations):
    pass


MUTATION_ROOT: type | None = Mutation
