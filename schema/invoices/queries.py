"""Invoices queries (mixed into the root ``Query``)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types.nodes import SelectedField

from billing.errors import BusinessError
from billing.invoicing.feed import feed
from billing.invoicing.invoices import find_invoice, invoices_query
from billing.invoicing.search import InvoiceOrder, InvoiceSearch
from schema.context import Info
from schema.error_codes import GraphQLErrorCode, graphql_error
from schema.ids import account_of
from schema.invoices.enums import DisplayStatus
from schema.invoices.feed import FeedEvent, InvoiceConnection
from schema.invoices.inputs import InvoiceFilter, InvoiceOrderInput
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

    @strawberry.field(
        description="Your invoices (staff: of `accountId`, or of every account), newest issue date first unless "
        "`orderBy` says otherwise, narrowed by `filter`. Keyset-paginated: invoices issued or changed while you "
        "page never shift a page or appear twice in one ordering. `coverage` and `status` are the older form of "
        "`filter: {coverage, status}`.",
        extensions=[requires_reader(InvoiceNode)],
    )
    async def invoices(
        self, info: Info, coverage: Coverage | None = None, status: DisplayStatus | None = None,
        account_id: AccountArg = None, first: FirstArg = None, after: AfterArg = None,
        filter: InvoiceFilter | None = None,  # noqa: A002 - the argument's name in the API
        order_by: Annotated[InvoiceOrderInput | None, strawberry.argument(description="The sort order.")] = None,
    ) -> InvoiceConnection:
        # the older arguments are conditions of their own, applied together with the filter's
        searches = [InvoiceSearch(coverage=coverage, statuses=(status,) if status else ())]
        if filter is not None:
            searches.append(filter.to_domain())
        order = order_by.to_domain() if order_by is not None else InvoiceOrder()
        try:
            query = invoices_query(
                info.context.caller, account_id=account_of(account_id), today=info.context.clock.today(),
                searches=searches,
            )
        except BusinessError as exc:
            (error,) = exc.errors[:1]
            raise graphql_error(error.message, GraphQLErrorCode.BAD_USER_INPUT, field=error.field) from None
        connection = await keyset_connection(
            order.prepared(query), order_by=order.keys, first=first, after=after, to_node=InvoiceNode.from_model,
            ordering=None if order == InvoiceOrder() else order.name, connection=InvoiceConnection, matching=query,
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

    @strawberry.field(
        description="The change feed: your account's invoice events in order, oldest first. Events are numbered "
        "without gaps and written with the change they record, so keeping the last `cursor` you read and asking "
        "`after` it later misses nothing and repeats nothing, across restarts on either side. Staff read the events "
        "of `accountId`, or of every account in the order they were written (only each account's numbers are "
        "gapless).",
        extensions=[requires_reader(InvoiceNode)],
    )
    async def invoice_events(
        self, info: Info, account_id: AccountArg = None, first: FirstArg = None, after: AfterArg = None
    ) -> relay.Connection[FeedEvent]:
        events = feed(info.context.caller, account_of(account_id))
        return await keyset_connection(
            events.events.select_related("invoice"), order_by=events.order_by, first=first, after=after,
            to_node=FeedEvent.from_model, ordering=events.name,
        )


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
