"""Demo data: the account pays by invoice on JP and has a billed subscription;
loading the demo again changes nothing."""

from __future__ import annotations

from datetime import date

from api.demo import DEMO_ACCOUNT_ID, load_demo_data
from models.invoice_profile import InvoiceApplication, InvoiceProfile
from models.invoices import Invoice
from models.outbox import OutboxMessage
from models.payment import PaymentMethod, PaymentSettings

TODAY = date(2026, 11, 22)


async def test_the_demo_account_pays_by_invoice_on_jp_once(db, backend, services):
    first = await load_demo_data(services, today=TODAY)
    second = await load_demo_data(services, today=TODAY)
    assert "JP pays by invoice: application approved, invoice profile created" in first
    assert "JP pays by invoice (already there)" in second
    jp = await PaymentSettings.get(account_id=DEMO_ACCOUNT_ID, coverage="JP")
    assert jp.payment_method is PaymentMethod.INVOICE
    assert await InvoiceProfile.filter(account_id=DEMO_ACCOUNT_ID).count() == 1
    assert await InvoiceApplication.filter(account_id=DEMO_ACCOUNT_ID).count() == 1


async def test_the_demo_subscription_is_billed_up_to_today_once(db, backend, services):
    first = await load_demo_data(services, today=TODAY)
    invoices = await Invoice.filter(account_id=DEMO_ACCOUNT_ID).order_by("issue_date")
    # Booked 2026-09-01, second line active 09-21: the first invoice waits for the
    # 15-day rule (09-16), the late line gets its own (09-21), then October, November.
    assert [i.issue_date for i in invoices] == [date(2026, 9, 16), date(2026, 9, 21), date(2026, 10, 1), date(2026, 11, 1)]
    assert [line for line in first if line.startswith("invoice ")] == [f"invoice {i.number} issued" for i in invoices]
    assert await OutboxMessage.filter(kind="invoice_issued").count() == 4
    second = await load_demo_data(services, today=TODAY)
    assert "invoices already issued up to today" in second
    assert await Invoice.filter(account_id=DEMO_ACCOUNT_ID).count() == 4


async def test_the_demo_registers_the_console_and_users_who_can_sign_in(db, backend, services):
    from api.demo import DEMO_PASSWORD
    from api.oauth.store import find_client
    from api.signin.passwords import Passwords
    from models.users import User

    first = await load_demo_data(services, today=TODAY)
    await load_demo_data(services, today=TODAY)
    console = await find_client("portal-console")
    issuer = services.settings.issuer
    assert console is not None and console.is_public and console.secret_hash is None
    assert console.redirect_uris == (f"{issuer}/console/", f"{issuer}/graphql")
    assert set(console.scopes) == {"billing:read", "billing:write", "invoices:read"}
    users = await User.all().order_by("subject")
    assert [u.subject for u in users] == ["demo-billing", "demo-owner", "demo-viewer"]
    assert await Passwords(1).verify(DEMO_PASSWORD, users[1].password_hash)
    assert any(DEMO_PASSWORD in line for line in first)
