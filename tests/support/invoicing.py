"""Helpers for the invoicing tests: book orders, activate lines, give a coverage
an invoice profile or a card, as the real use cases (or plain rows) would."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from billing.access.caller import Caller
from billing.errors import BusinessError, ErrorCode
from billing.invoicing.orders import (
    LineRequest,
    OrderRequest,
    activate_order_line,
    create_order,
)
from billing.invoicing.run import RunReport
from billing.invoicing.run import run_billing as _run_billing
from billing.payment_settings.gateway import TestGateway
from billing.policy import BillingPolicy
from billing.rules.payment_terms import PaymentTerms
from billing.rules.periods import BillingFrequency
from billing.rules.tax import TaxCategory
from models.accounts import Account
from models.coverage import Coverage
from models.invoice_profile import DeliveryMethod, InvoiceProfile, Language
from models.invoices import Invoice, InvoiceLine
from models.orders import Order, OrderLine
from models.payment import PaymentMethod, PaymentSettings
from models.terms import ChargeKind

STAFF = Caller(subject="staff-1", scopes=frozenset({"admin"}), client_id="test")


def line(product: str, monthly: str, *, quantity: int = 1, tax: TaxCategory = TaxCategory.STANDARD,
         pooled: bool = False, discount: str = "0", subscribed_units: int | None = None,
         burst_price: str | None = None) -> LineRequest:
    return LineRequest(
        product, f"{product} service", Decimal(monthly), quantity, tax, pooled, Decimal(discount), subscribed_units,
        Decimal(burst_price) if burst_price is not None else None,
    )


async def book(
    account: Account, lines: Sequence[LineRequest], *, booked_on: date, start: date | None = None,
    end: date | None = None, coverage: Coverage = Coverage.GLOBAL,
    frequency: BillingFrequency = BillingFrequency.ANNUAL_IN_ADVANCE, terms: PaymentTerms | None = None,
    subscription_id: int | None = None, policy: BillingPolicy | None = None, pays: bool = True, **extra: Any,
) -> tuple[Order, list[OrderLine]]:
    """Book an order as staff would. With ``pays`` (the default) a coverage that has
    no payment method yet is first given one (an invoice profile, as ``give_profile``):
    an order on a coverage that cannot pay is refused."""
    if pays and not await PaymentSettings.exists(account_id=account.id, coverage=coverage):
        await give_profile(account, coverage)
    request = OrderRequest(
        account_id=account.id, coverage=coverage, booked_on=booked_on, lines=list(lines),
        subscription_id=subscription_id, start_date=start, end_date=end,
        billing_frequency=None if subscription_id else frequency, payment_terms=terms, **extra,
    )
    booked = await create_order(STAFF, request, policy or BillingPolicy(card_countries=frozenset()))
    return booked.order, booked.lines


async def activate(row: OrderLine, day: date) -> None:
    await activate_order_line(STAFF, row.id, day)


async def give_profile(
    account: Account, coverage: Coverage, *, language: Language = Language.EN, email: str = "ap@acme.test",
    ccs: Sequence[str] = (), country: str = "JP", method: PaymentMethod = PaymentMethod.INVOICE,
    card_reference: str | None = None,
) -> InvoiceProfile:
    """Make ``coverage`` pay through a new profile (replacing what it paid with)."""
    profile = await InvoiceProfile.create(
        account=account, company_name="Acme IoT K.K.", contact_name="Hanako Yamada", billing_email=email,
        cc_emails=list(ccs), phone="+81-3-0000-0000", postal_code="100-0001", country=country, city="Tokyo",
        address_lines=["1-1 Chiyoda"], delivery_method=DeliveryMethod.EMAIL, language=language,
        home_coverage=coverage,
    )
    await PaymentSettings.update_or_create(
        account=account, coverage=coverage,
        defaults={
            "payment_method": method, "invoice_profile": profile, "card_reference": card_reference,
            "card_brand": "visa" if card_reference else None,
        },
    )
    return profile


async def run_billing(as_of: date, *, policy: BillingPolicy | None = None, gateway: Any = None) -> RunReport:
    """A billing run with the default policy and the built-in test gateway."""
    return await _run_billing(as_of, policy=policy or BillingPolicy(), gateway=gateway or TestGateway())


async def invoice_lines(number: str) -> list[tuple[str, ChargeKind, date, date, Decimal]]:
    """The lines of invoice ``number``: product, kind, service period, amount."""
    invoice = await Invoice.get(number=number)
    rows = await InvoiceLine.filter(invoice_id=invoice.id).order_by("position")
    return [(r.product, r.kind, r.period_start, r.period_end, r.amount) for r in rows]


async def refused(call: Awaitable[object]) -> tuple[ErrorCode, str | None]:
    """The one error a use case refuses ``call`` with: its code and field."""
    with pytest.raises(BusinessError) as error_info:
        await call
    (error,) = error_info.value.errors
    return error.code, error.field
