"""The per-request GraphQL context: the caller and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from billing.access.caller import Caller
from billing.clock import Clock
from billing.documents.links import DocumentLinks
from billing.partner_clients import ClientCredentials
from billing.payment_settings.applications import InvoiceFees
from billing.payment_settings.gateway import PaymentGateway
from billing.policy import BillingPolicy
from schema.loaders import Loaders

if TYPE_CHECKING:
    from billing.invoicing.run import RunReport


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
    operation_name: str | None = None
    """The operation run (``schema.extensions.OperationName``), for metrics and the access log."""

    def billing_run_finished(self, report: RunReport, seconds: float) -> None:
        """Count a billing run in the service's metrics (``Services.metrics``, api/metrics.py)."""
        self.request.app.state.services.metrics.billing_run(report, seconds)

    @property
    def document_links(self) -> DocumentLinks:
        """The service's signer of download links (``Services.document_links``), read
        from the running app: what signs a link is what opens it (``api.documents``)."""
        links: DocumentLinks = self.request.app.state.services.document_links
        return links

    @property
    def client_credentials(self) -> ClientCredentials:
        """Makes partner clients' ids and secrets (``Services.client_credentials``: the
        authorization server's formats, hashed in its bounded pool)."""
        credentials: ClientCredentials = self.request.app.state.services.client_credentials
        return credentials


Info = StrawberryInfo[Context, None]
