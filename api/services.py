"""The long-lived objects one running service shares, built once from settings.

No module-level singletons: the app factory, the CLI and the tests each build
their own ``Services`` from the ``Settings`` they were given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from api.oauth import store
from api.oauth.jwks import IssuerKeys
from api.oauth.keys import SigningKey, load_signing_key
from api.oauth.server import PortalAuthorizationServer
from api.oauth.validation import AccessTokenValidator
from api.settings import Settings
from billing.clock import Clock
from billing.payment_settings.applications import InvoiceFees
from billing.payment_settings.gateway import PaymentGateway, TestGateway
from billing.policy import BillingPolicy


@dataclass
class Services:
    settings: Settings
    signing_key: SigningKey
    authorization_server: PortalAuthorizationServer
    issuer_keys: IssuerKeys
    validator: AccessTokenValidator
    billing_policy: BillingPolicy
    invoice_fees: InvoiceFees
    clock: Clock = field(default_factory=Clock)
    payment_gateway: PaymentGateway = field(default_factory=TestGateway)

    @classmethod
    def build(cls, settings: Settings, signing_key: SigningKey | None = None) -> Services:
        if not settings.is_production:
            # authlib refuses plain-http token requests unless told otherwise; in
            # production the service sits behind TLS and this is never set.
            os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
        key = signing_key or load_signing_key(settings)
        server = PortalAuthorizationServer.from_settings(settings, key)
        issuer_keys = IssuerKeys(settings.issuer, key, settings.trusted_issuers, timeout=settings.jwks_timeout_seconds)
        validator = AccessTokenValidator(issuer_keys, settings.audience, store.is_revoked)
        clock = Clock(fixed=settings.clock, simulation_allowed=not settings.is_production)
        return cls(
            settings, key, server, issuer_keys, validator, billing_policy(settings), invoice_fees(settings),
            clock=clock, payment_gateway=TestGateway(today=clock.today),
        )

    async def aclose(self) -> None:
        await self.issuer_keys.aclose()


def billing_policy(settings: Settings) -> BillingPolicy:
    return BillingPolicy(
        issuer_name=settings.issuer_name,
        issuer_registration_number=settings.issuer_registration_number,
        card_countries=frozenset(settings.card_countries),
    )


def invoice_fees(settings: Settings) -> InvoiceFees:
    return InvoiceFees(settings.invoice_switching_fee_jpy, settings.invoice_monthly_fee_jpy)
