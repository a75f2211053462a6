"""Demo data for a first look (``portal demo``). Running it again changes nothing."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from api.oauth.store import create_client, create_public_client
from api.oauth.tokens import CONSOLE_CLIENT_ID
from api.services import Services
from api.signin.passwords import Passwords
from api.signin.users import create_user
from billing.access.caller import SCOPE_ADMIN, SCOPE_BILLING_WRITE, Caller
from billing.accounts import add_member, create_account
from billing.invoicing.orders import (
    LineRequest,
    OrderRequest,
    activate_order_line,
    create_order,
)
from billing.invoicing.run import run_billing
from billing.payment_settings.applications import (
    InvoiceFees,
    apply_for_invoice_payment,
    approve_application,
)
from billing.payment_settings.gateway import PaymentGateway
from billing.policy import BillingPolicy
from billing.rules.periods import add_months
from models.accounts import Account, Role
from models.coverage import Coverage
from models.invoice_profile import ApplicationStatus, InvoiceApplication
from models.oauth import OAuthClient
from models.orders import Subscription
from models.payment import PaymentSettings
from models.terms import BillingFrequency, TaxCategory
from models.users import User

DEMO_ACCOUNT_ID = uuid.UUID("6f1c4a52-3c1e-4d7e-9a57-0b5d2f6e8a01")
DEMO_MEMBERS = {"demo-owner": Role.OWNER, "demo-billing": Role.BILLING_ADMIN, "demo-viewer": Role.VIEWER}
DEMO_PASSWORD = "demo-password-123"
"""The password of every demo user: development data, printed in the demo report."""
CONSOLE_SCOPES = ["billing:read", "billing:write", "invoices:read"]
DEMO_BILL_TO = {
    "company_name": "Demo IoT K.K.",
    "department": "Accounting",
    "contact_name": "Hanako Yamada",
    "billing_email": "billing@demo-iot.example",
    "cc_emails": [],
    "phone": "+81 3-1234-5678",
    "postal_code": "100-0001",
    "country": "JP",
    "region": "Tokyo",
    "city": "Chiyoda-ku",
    "address_lines": ["1-1 Chiyoda"],
    "tax_registration_number": "T7000012050002",
    "delivery_method": "EMAIL",
    "language": "ja",
}


async def load_demo_data(services: Services, today: date | None = None) -> list[str]:
    """Create the demo account, its members, a partner client, invoice payment on JP
    and a subscription billed up to today; report what was made."""
    report = []
    account = await Account.get_or_none(id=DEMO_ACCOUNT_ID)
    if account is None:
        account = await create_account("Demo IoT K.K.", "demo-owner", account_id=DEMO_ACCOUNT_ID)
        report.append(f"account {account.id} ({account.name}) created")
    else:
        report.append(f"account {account.id} ({account.name}) already there")
    for subject, role in DEMO_MEMBERS.items():
        await add_member(account.id, subject, role)
        report.append(f"member {subject}: {role.value}")
    if not await OAuthClient.exists(account_id=account.id, name="Demo accounting partner"):
        client_id, secret = await create_client(account.id, "Demo accounting partner", ["invoices:read"])
        report.append(f"partner client created: client_id={client_id} client_secret={secret} (shown once)")
    else:
        report.append("partner client already there (create another with 'portal clients create')")
    report.extend(await _demo_sign_in(services))
    report.append(await _demo_invoice_payment(account.id, services.invoice_fees))
    report.extend(
        await _demo_subscription(account.id, services.billing_policy, services.payment_gateway, today or services.clock.today())
    )
    return report


async def _demo_sign_in(services: Services) -> list[str]:
    """The console as a public client of the embedded issuer, and a local user (with
    the demo password) for each demo member, so that people can sign in."""
    issuer = services.settings.issuer
    redirect_uris = [f"{issuer}/console/", f"{issuer}/graphql"]
    await create_public_client(
        "Billing Portal console", redirect_uris, CONSOLE_SCOPES,
        development=services.settings.env == "development", issuer=issuer, client_id=CONSOLE_CLIENT_ID,
    )
    report = [f"public client {CONSOLE_CLIENT_ID}: redirect URIs {' '.join(redirect_uris)}"]
    passwords = Passwords(services.settings.secret_hash_concurrency)
    for subject in DEMO_MEMBERS:
        if not await User.exists(subject=subject):
            await create_user(subject, f"{subject}@demo-iot.example", DEMO_PASSWORD, passwords)
    report.append(f"users {', '.join(DEMO_MEMBERS)} sign in at {issuer}/signin with the password {DEMO_PASSWORD}")
    return report


async def _demo_subscription(
    account_id: uuid.UUID, policy: BillingPolicy, gateway: PaymentGateway, today: date
) -> list[str]:
    """A JP subscription booked two months ago, its second line provisioned 20 days
    late (so it is invoiced on its own), then billed day by day up to today."""
    if not await Subscription.exists(account_id=account_id):
        start = (today - timedelta(days=60)).replace(day=1)
        staff = Caller("demo-staff", frozenset({SCOPE_ADMIN}), "demo")
        request = OrderRequest(
            account_id=account_id, coverage=Coverage.JP, booked_on=start, start_date=start,
            end_date=add_months(start, 12) - timedelta(days=1),
            billing_frequency=BillingFrequency.MONTHLY_IN_ADVANCE, po_number="PO-DEMO-001",
            lines=[
                LineRequest("SIM connectivity", "100 SIMs, data plan S", Decimal("33000"), 1, TaxCategory.STANDARD),
                LineRequest("Device support", "Support desk", Decimal("5400"), 1, TaxCategory.REDUCED),
            ],
        )
        booked = await create_order(staff, request, policy)
        await activate_order_line(staff, booked.lines[0].id, start)
        await activate_order_line(staff, booked.lines[1].id, start + timedelta(days=20))
    issued: list[str] = []
    day = (await Subscription.filter(account_id=account_id).order_by("id").first()).term_start
    while day <= today:
        issued += (await run_billing(day, policy=policy, gateway=gateway)).issued
        day += timedelta(days=1)
    return [f"invoice {number} issued" for number in issued] or ["invoices already issued up to today"]


async def _demo_invoice_payment(account_id: uuid.UUID, fees: InvoiceFees) -> str:
    """JP pays by invoice through an approved profile (applied and approved once)."""
    if await PaymentSettings.exists(account_id=account_id, coverage=Coverage.JP, invoice_profile_id__isnull=False):
        return "JP pays by invoice (already there)"
    owner = Caller("demo-owner", frozenset({SCOPE_BILLING_WRITE}), "demo", account_id, Role.OWNER)
    application = await InvoiceApplication.filter(account_id=account_id, coverage=Coverage.JP).order_by("-id").first()
    if application is None or application.status is not ApplicationStatus.PENDING:
        application = await apply_for_invoice_payment(owner, fees, Coverage.JP, DEMO_BILL_TO)
    await approve_application(Caller("demo-staff", frozenset({SCOPE_ADMIN}), "demo"), application.id)
    return "JP pays by invoice: application approved, invoice profile created"
