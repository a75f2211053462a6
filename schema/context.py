"""The per-request GraphQL context: the caller and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from billing.caller import Caller
from billing.gateway import PaymentGateway, TestGateway
from billing.invoice_applications import InvoiceFees
from billing.policy import BillingPolicy
from schema.loaders import Loaders


@dataclass
class Context:
    request: Request
    response: Response
    caller: Caller
    loaders: Loaders = field(default_factory=Loaders)
    payment_gateway: PaymentGateway = field(default_factory=TestGateway)
    invoice_fees: InvoiceFees = field(default_factory=InvoiceFees)
    billing_policy: BillingPolicy = field(default_factory=BillingPolicy)


Info = StrawberryInfo[Context, None]
