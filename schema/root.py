"""The root types. Each feature contributes a query (and mutation) mixin class;
the roots inherit from all of them, in the order of a customer's life (payment
settings, orders, usage, invoices, their emails), so adding a feature is one
line here."""

from __future__ import annotations

import strawberry

from schema.clients.mutations import PartnerClientMutations
from schema.clients.queries import PartnerClientQueries
from schema.emails.mutations import EmailMutations
from schema.invoices.mutations import InvoiceMutations
from schema.invoices.queries import InvoiceQueries
from schema.orders.mutations import OrderMutations
from schema.orders.queries import OrderQueries
from schema.payment.mutations import PaymentMutations
from schema.payment.queries import PaymentQueries
from schema.usage.mutations import UsageMutations
from schema.usage.queries import UsageQueries
from schema.viewer.queries import NodeQueries, ViewerQueries
from schema.webhooks.mutations import WebhookMutations
from schema.webhooks.queries import WebhookQueries


@strawberry.type(description="Everything a caller can read.")
class Query(
    ViewerQueries, NodeQueries, PaymentQueries, OrderQueries, UsageQueries, InvoiceQueries, PartnerClientQueries,
    WebhookQueries,
):
    pass


@strawberry.type(description="Everything a caller can change.")
class Mutation(
    PaymentMutations, OrderMutations, UsageMutations, InvoiceMutations, EmailMutations, PartnerClientMutations,
    WebhookMutations,
):
    pass


MUTATION_ROOT: type | None = Mutation
