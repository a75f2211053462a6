"""Webhook queries (mixed into the root ``Query``)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from billing.webhooks.deliveries import endpoint_deliveries
from billing.webhooks.endpoints import readable_endpoints
from models.webhooks import WebhookDelivery
from schema.context import Info
from schema.ids import account_of, pk_of
from schema.pagination import AfterArg, FirstArg, keyset_connection
from schema.permissions import requires_reader
from schema.types.account import AccountArg
from schema.webhooks.types import WebhookDeliveryNode, WebhookEndpointNode


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description="The webhook endpoints of the caller's account, oldest first (staff: of `accountId`, or of "
        "every account). Needs billing:read, billing:write or admin.",
        extensions=[requires_reader(WebhookEndpointNode)],
    )
    async def webhook_endpoints(
        self, info: Info, account_id: AccountArg = None, first: FirstArg = None, after: AfterArg = None
    ) -> relay.Connection[WebhookEndpointNode]:
        return await keyset_connection(
            readable_endpoints(info.context.caller, account_of(account_id)), order_by=("id",), first=first,
            after=after, to_node=WebhookEndpointNode.from_model,
        )

    @strawberry.field(
        description="The deliveries of one endpoint, newest first, each with its latest tries; empty for an "
        "endpoint that is not the caller's. Needs billing:read, billing:write or admin.",
        extensions=[requires_reader(WebhookDeliveryNode)],
    )
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: Annotated[relay.GlobalID, strawberry.argument(description="The endpoint's id.")],
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> relay.Connection[WebhookDeliveryNode]:
        query = endpoint_deliveries(info.context.caller, pk_of(endpoint_id, "WebhookEndpoint"))
        page: relay.Connection[WebhookDelivery] = await keyset_connection(
            query, order_by=("-id",), first=first, after=after, to_node=lambda row: row
        )
        nodes = await WebhookDeliveryNode.from_models([edge.node for edge in page.edges])
        edges = [relay.Edge(node=node, cursor=edge.cursor) for node, edge in zip(nodes, page.edges, strict=True)]
        return relay.Connection(edges=edges, page_info=page.page_info)
