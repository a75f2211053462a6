"""The long-lived objects one running service shares, built once from settings.

No module-level singletons: the app factory, the CLI and the tests each build
their own ``Services`` from the ``Settings`` they were given.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from opentelemetry.sdk.trace import TracerProvider

from api.metrics import Metrics
from api.oauth import store
from api.oauth.credentials import PooledClientCredentials
from api.oauth.jwks import IssuerKeys
from api.oauth.key_set import KeyRing
from api.oauth.keys import SigningKey
from api.oauth.server import PortalAuthorizationServer
from api.oauth.validation import AccessTokenValidator
from api.rate_limits import RateLimiter
from api.settings import Settings
from api.tracing import tracer_provider
from billing.clock import Clock
from billing.documents.links import DocumentLinks
from billing.payment_settings.applications import InvoiceFees
from billing.payment_settings.gateway import PaymentGateway, TestGateway
from billing.policy import AccountType, BankAccount, BillingPolicy


@dataclass
class Services:
    settings: Settings
    signing_key: SigningKey
    authorization_server: PortalAuthorizationServer
    issuer_keys: IssuerKeys
    validator: AccessTokenValidator
    billing_policy: BillingPolicy
    invoice_fees: InvoiceFees
    document_links: DocumentLinks
    clock: Clock = field(default_factory=Clock)
    payment_gateway: PaymentGateway = field(default_factory=TestGateway)
    rate_limiter: RateLimiter = field(default_factory=RateLimiter.unlimited)
    metrics: Metrics = field(default_factory=Metrics.with_database)
    """This app's Prometheus registry (api/metrics.py): one per ``Services``, none global."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """The instant, for what is kept for a time (idempotency keys); tests move it."""
    tracer_provider: TracerProvider | None = None
    """OpenTelemetry traces (api/tracing.py): None unless OTEL_EXPORTER_OTLP_ENDPOINT is set."""

    @classmethod
    def build(cls, settings: Settings, signing_key: SigningKey | KeyRing | None = None) -> Services:
        if not settings.is_production:
            # authlib refuses plain-http token requests unless told otherwise; in
            # production the service sits behind TLS and this is never set.
            os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
        # the key set follows its file (rotations); ``key``, what the session and link
        # secrets derive from, is the key active at start
        ring = KeyRing.fixed(signing_key) if isinstance(signing_key, SigningKey) else signing_key
        ring = ring or KeyRing.from_settings(settings)
        key = ring.active
        server = PortalAuthorizationServer.from_settings(settings, ring)
        issuer_keys = IssuerKeys(settings.issuer, ring, settings.trusted_issuers, timeout=settings.jwks_timeout_seconds)
        validator = AccessTokenValidator(issuer_keys, settings.audience, store.is_revoked)
        clock = Clock(fixed=settings.clock, simulation_allowed=not settings.is_production)
        return cls(
            settings, key, server, issuer_keys, validator, billing_policy(settings), invoice_fees(settings),
            DocumentLinks(document_link_secret(settings, key), settings.issuer), clock=clock, payment_gateway=TestGateway(today=clock.today),
            rate_limiter=RateLimiter.from_settings(settings), tracer_provider=tracer_provider(settings),
        )

    @property
    def client_credentials(self) -> PooledClientCredentials:
        """Makes partner clients' ids and secrets, hashing in the token endpoint's bounded pool."""
        return PooledClientCredentials(self.authorization_server.client_auth.verifier)

    async def aclose(self) -> None:
        await self.issuer_keys.aclose()
        await self.rate_limiter.aclose()
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()  # sends the spans still batched


def billing_policy(settings: Settings) -> BillingPolicy:
    return BillingPolicy(
        issuer_name=settings.issuer_name,
        issuer_registration_number=settings.issuer_registration_number,
        card_countries=frozenset(settings.card_countries),
        bank=BankAccount(
            bank=settings.bank_name, branch=settings.bank_branch, account_type=AccountType(settings.bank_account_type),
            number=settings.bank_account_number, holder_kana=settings.bank_account_holder,
        ),
    )


def invoice_fees(settings: Settings) -> InvoiceFees:
    return InvoiceFees(settings.invoice_switching_fee_jpy, settings.invoice_monthly_fee_jpy)


_LINK_LABEL = b"portal/document-links/v1"


def document_link_secret(settings: Settings, key: SigningKey) -> str:
    """``PORTAL_DOCUMENT_LINK_SECRET``, or when unset one derived from the issuer's
    signing key (HMAC-SHA256 of its private PEM with a label of its own, as the
    session secret is): development needs no extra setting, every process of a
    deployment sharing the key agrees on it (a link minted by one opens on any),
    and it changes when the key is rotated, ending every link in flight."""
    if settings.document_link_secret:
        return settings.document_link_secret
    return hmac.new(key.key.as_pem(private=True), _LINK_LABEL, hashlib.sha256).hexdigest()
