"""The demo account pays by invoice on JP, and loading the demo again changes nothing."""

from __future__ import annotations

from api.demo import DEMO_ACCOUNT_ID, load_demo_data
from models.invoice_profile import InvoiceApplication, InvoiceProfile
from models.payment import PaymentMethod, PaymentSettings


async def test_the_demo_account_pays_by_invoice_on_jp_once(db, backend):
    first = await load_demo_data()
    second = await load_demo_data()
    assert "JP pays by invoice: application approved, invoice profile created" in first
    assert "JP pays by invoice (already there)" in second
    jp = await PaymentSettings.get(account_id=DEMO_ACCOUNT_ID, coverage="JP")
    assert jp.payment_method is PaymentMethod.INVOICE
    assert await InvoiceProfile.filter(account_id=DEMO_ACCOUNT_ID).count() == 1
    assert await InvoiceApplication.filter(account_id=DEMO_ACCOUNT_ID).count() == 1
