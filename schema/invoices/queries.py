"""Invoicing queries (mixed into the root ``Query``)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from billing.access.caller import (
    SCOPE_ADMIN,
    SCOPE_BILLING_READ,
    SCOPE_BILLING_WRITE,
    SCOPE_INVOICES_READ,
)
from billing.invoicing.invoices import find_invoice, invoices_query, subscriptions_query
from schema.context import Info
from schema.ids import account_of
from schema.invoices.enums import InvoiceStatusEnum
from schema.invoices.invoice_types import InvoiceNode
from schema.invoices.subscription_types import SubscriptionNode
from schema.pagination import AfterArg, FirstArg, keyset_connection
from schema.payment.enums import CoverageEnum
from schema.permissions import requires

READERS = (SCOPE_BILLING_READ, SCOPE_BILLING_WRITE, SCOPE_INVOICES_READ, SCOPE_ADMIN)
AccountArg = Annotated[
    relay.GlobalID | None,
    strawberry.argument(description="Staff: the account to read (customers always read their own)."),
]


@strawberry.type
class InvoiceQueries:
    @strawberry.field(description="One invoice by its number; null if it is missing or not yours.", extensions=[requires(*READERS)])
    async def invoice(self, info: Info, number: str, account_id: AccountArg = None) -> InvoiceNode | None:
        row = await find_invoice(info.context.caller, number, account_of(account_id))
        return InvoiceNode.from_model(row) if row else None

    @strawberry.field(description="Invoices, newest first.", extensions=[requires(*READERS)])
    async def invoices(
        self, info: Info,
        coverage: CoverageEnum | None = None,  # type: ignore[valid-type]
        status: InvoiceStatusEnum | None = None,  # type: ignore[valid-type]
        account_id: AccountArg = None, first: FirstArg = None, after: AfterArg = None,
    ) -> relay.Connection[InvoiceNode]:
        query = invoices_query(info.context.caller, account_id=account_of(account_id), coverage=coverage, status=status)
        return await keyset_connection(
            query, order_by=("-issue_date", "-id"), first=first, after=after, to_node=InvoiceNode.from_model
        )

    @strawberry.field(description="Subscriptions with their lines and PO state, oldest first.", extensions=[requires(*READERS)])
    async def subscriptions(
        self, info: Info, account_id: AccountArg = None, first: FirstArg = None, after: AfterArg = None
    ) -> relay.Connection[SubscriptionNode]:
        query = subscriptions_query(info.context.caller, account_of(account_id))
        return await keyset_connection(query, order_by=("id",), first=first, after=after, to_node=SubscriptionNode.from_model)
