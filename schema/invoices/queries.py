"""Invoices queries (mixed into the root ``Query``)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay
from strawberry.types.nodes import SelectedField

from billing.errors import BusinessError
from billing.invoicing.invoices import find_invoice, invoices_query
from schema.context import Info
from schema.error_codes import GraphQLErrorCode, graphql_error
from schema.ids import account_of
from schema.invoices.enums import DisplayStatus
from schema.invoices.inputs import InvoiceFilter
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
        filter: InvoiceFilter | None = None,  # noqa: A002 - the argument's name in the API
    ) -> relay.Connection[InvoiceNode]:
        try:
            search = filter.to_domain().checked() if filter is not None else None
        except BusinessError as exc:
            (error,) = exc.errors[:1]
            raise graphql_error(error.message, GraphQLErrorCode.BAD_USER_INPUT, field=error.field) from None
        query = invoices_query(
            info.context.caller, account_id=account_of(account_id), coverage=coverage, status=status,
            today=info.context.clock.today(), search=search,
        )
        connection = await keyset_connection(
            query, order_by=("-issue_date", "-id"), first=first, after=after, to_node=InvoiceNode.from_model
        )
        nodes = [edge.node for edge in connection.edges]
        if nodes and _selects_groups(info.selected_fields):
            # The same two batched statements the loaders would send field by field,
            # sent once for the page so the group fields resolve without awaiting.
            ids = [node.model.id for node in nodes]
            lines = await info.context.loaders.invoice_lines.load_many(ids)
            taxes = await info.context.loaders.invoice_taxes.load_many(ids)
            for node, node_lines, node_taxes in zip(nodes, lines, taxes, strict=True):
                node.show(node_lines, node_taxes)
        return connection


_GROUP_FIELDS = frozenset({"groups", "totals", "coverages", "lines", "taxes"})


def _selects_groups(selections: list[Any], depth: int = 0) -> bool:
    """Whether the selection reads an invoice field built from its lines and taxes
    (``edges { node { lines … } }``, through fragments too)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            wanted = ("invoices", "edges", "node")
            if depth < len(wanted):
                if selection.name == wanted[depth] and _selects_groups(selection.selections, depth + 1):
                    return True
            elif selection.name in _GROUP_FIELDS:
                return True
        elif _selects_groups(selection.selections, depth):
            return True
    return False
