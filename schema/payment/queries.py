"""Payment settings queries (mixed into the root ``Query``)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from billing.payment_settings.applications import pending_applications
from billing.payment_settings.coverages import payment_settings
from schema.context import Info
from schema.pagination import AfterArg, FirstArg, keyset_connection
from schema.payment.types import InvoiceApplicationNode, InvoiceProfileNode, PaymentSettings
from schema.permissions import requires_reader
from schema.types.enums import Coverage


@strawberry.type
class PaymentQueries:
    @strawberry.field(
        description="How one coverage of the caller's account pays.",
        # The customers who read profiles and applications; staff act for no account.
        extensions=[requires_reader(InvoiceProfileNode, InvoiceApplicationNode, staff=False)],
    )
    async def payment_settings(self, info: Info, coverage: Coverage) -> PaymentSettings:
        return PaymentSettings.from_domain(await payment_settings(info.context.caller, coverage))

    @strawberry.field(
        description="Staff: invoice payment applications waiting for a decision, oldest first.",
        extensions=[requires_reader(InvoiceApplicationNode, customers=False)],  # every account's: staff only
    )
    async def pending_invoice_applications(
        self, info: Info, first: FirstArg = None, after: AfterArg = None
    ) -> relay.Connection[InvoiceApplicationNode]:
        return await keyset_connection(
            pending_applications(info.context.caller), order_by=("id",), first=first, after=after,
            to_node=InvoiceApplicationNode.from_model,
        )
