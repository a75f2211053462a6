"""The per-request GraphQL context: the caller and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from billing.access.caller import Caller
from billing.clock import Clock
from billing.payment_settings.applications import InvoiceFees
from billing.payment_settings.gateway import PaymentGateway
from billing.policy import BillingPolicy
from schema.loaders import Loaders


@dataclass
class Context:
    request: Request
    response: Response
    caller: Caller
    payment_gateway: PaymentGateway
    invoice_fees: InvoiceFees
    billing_policy: BillingPolicy
    clock: Clock
    loaders: Loaders = field(default_factory=Loaders)


Info = StrawberryInfo[Context, None]
