"""Invoices queries (mixed into the root ``Query``)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from billing.invoicing.invoices import find_invoice, invoices_query
from schema.context import Info
from schema.ids import account_of
from schema.invoices.enums import DisplayStatus
from schema.invoices.types import InvoiceNode
from schema.pagination import AfterArg, FirstArg, keyset_connection
from schema.permissions import requires_reader
from schema.types.account import AccountArg
from schema.types.enums import Coverage


@strawberry.type
class InvoiceQueries:
    @strawberry.field(
        description="One invoice by its number; null if it is missing or not yours.",
        extensions=[requires_reader(InvoiceNode)],
    )
    async def invoice(self, info: Info, number: str, account_id: AccountArg = None) -> InvoiceNode | None:
        row = await find_invoice(info.context.caller, number, account_of(account_id))
        return InvoiceNode.from_model(row) if row else None

    @strawberry.field(description="Invoices, newest first.", extensions=[requires_reader(InvoiceNode)])
    async def invoices(
        self, info: Info, coverage: Coverage | None = None, status: DisplayStatus | None = None,
        account_id: AccountArg = None, first: FirstArg = None, after: AfterArg = None,
    ) -> relay.Connection[InvoiceNode]:
        query = invoices_query(
            info.context.caller, account_id=account_of(account_id), coverage=coverage, status=status,
            today=info.context.clock.today(),
        )
        return await keyset_connection(
            query, order_by=("-issue_date", "-id"), first=first, after=after, to_node=InvoiceNode.from_model
        )
