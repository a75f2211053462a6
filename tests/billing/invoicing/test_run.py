"""The billing run: idempotent, gapless, concurrent-safe, immutable snapshots,
PO holds, card charges and the one email per invoice."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from tortoise.exceptions import IntegrityError

from billing.access.caller import Caller
from billing.accounts import add_member
from billing.invoicing.holds import Hold, HoldReason
from billing.invoicing.purchase_orders import (
    file_purchase_order_exemption,
    set_purchase_order_number,
)
from billing.invoicing.run import run_billing as run
from billing.payment_settings.gateway import TestGateway
from billing.policy import BillingPolicy
from billing.rules.invoice_number import parse_invoice_number
from models.accounts import Account, Role
from models.coverage import Coverage
from models.invoices import BilledCharge, ChargeState, Invoice, InvoiceStatus
from models.orders import OrderLine
from models.outbox import OutboxMessage
from models.payment import PaymentMethod, PaymentSettings
from models.terms import ChargeKind
from tests.support.invoicing import activate, book, give_profile, line, run_billing

D = date


def _owner(account: Account) -> Caller:
    return Caller("owner", frozenset({"billing:read", "billing:write"}), "test", account.id, Role.OWNER)


async def _active_subscriptions(account: Account, count: int, *, coverage: Coverage = Coverage.GLOBAL) -> None:
    for _ in range(count):
        _, rows = await book(account, [line("X", "10.00")], coverage=coverage, booked_on=D(2026, 3, 1),
                             start=D(2026, 3, 1), end=D(2027, 2, 28))
        await activate(rows[0], D(2026, 3, 1))


async def test_running_the_same_day_twice_issues_nothing_new(account: Account) -> None:
    await _active_subscriptions(account, 3)
    first = await run_billing(D(2026, 3, 1))
    second = await run_billing(D(2026, 3, 1))
    later = await run_billing(D(2026, 3, 20))
    assert len(first.issued) == 3 and second.issued == [] and later.issued == []
    assert await Invoice.all().count() == 3


async def test_numbers_are_sequential_per_coverage(account: Account) -> None:
    await _active_subscriptions(account, 3)
    await _active_subscriptions(account, 2, coverage=Coverage.JP)
    await run_billing(D(2026, 3, 1))
    numbers = sorted(await Invoice.all().values_list("number", flat=True))
    assert numbers == ["GL-2026-000001", "GL-2026-000002", "GL-2026-000003", "JP-2026-000001", "JP-2026-000002"]


async def test_the_database_refuses_to_bill_a_line_for_a_period_twice(account: Account) -> None:
    await _active_subscriptions(account, 1)
    await run_billing(D(2026, 3, 1))
    charge = await BilledCharge.first()
    assert charge.kind is ChargeKind.RECURRING
    with pytest.raises(IntegrityError):
        await BilledCharge.create(order_line_id=charge.order_line_id, kind=ChargeKind.RECURRING,
                                  period_start=charge.period_start, invoice_id=charge.invoice_id)


async def test_the_ledger_keys_usage_apart_from_the_recurring_charge_of_the_same_day(account: Account) -> None:
    await _active_subscriptions(account, 1)
    await run_billing(D(2026, 3, 1))
    charge = await BilledCharge.first()
    for kind in (ChargeKind.OVERAGE, ChargeKind.BURSTING):
        await BilledCharge.create(order_line_id=charge.order_line_id, kind=kind, period_start=charge.period_start,
                                  invoice_id=charge.invoice_id)
    with pytest.raises(IntegrityError):
        await BilledCharge.create(order_line_id=charge.order_line_id, kind=ChargeKind.OVERAGE,
                                  period_start=charge.period_start, invoice_id=charge.invoice_id)


async def test_concurrent_runs_issue_each_invoice_once_with_gapless_numbers(account: Account, backend: str) -> None:
    if backend != "postgres":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises them in-process)")
    await _active_subscriptions(account, 12)
    reports = await asyncio.gather(*(run_billing(D(2026, 3, 1)) for _ in range(3)))
    issued = [number for report in reports for number in report.issued]
    assert len(issued) == len(set(issued)) == 12
    sequences = sorted(parse_invoice_number(n).sequence for n in await Invoice.all().values_list("number", flat=True))
    assert sequences == list(range(1, 13))


async def test_editing_the_profile_after_issue_leaves_the_invoice_bill_to_unchanged(account: Account) -> None:
    profile = await give_profile(account, Coverage.GLOBAL, email="ap@acme.test")
    await _active_subscriptions(account, 1)
    (number,) = (await run_billing(D(2026, 3, 1))).issued
    profile.contact_name, profile.billing_email = "Someone Else", "new@acme.test"
    await profile.save()
    invoice = await Invoice.get(number=number)
    assert invoice.bill_to["contact_name"] == "Hanako Yamada"
    assert invoice.bill_to["billing_email"] == "ap@acme.test"


async def test_each_issued_invoice_enqueues_exactly_one_email(account: Account) -> None:
    await give_profile(account, Coverage.GLOBAL, ccs=["cfo@acme.test"])
    await _active_subscriptions(account, 2)
    await run_billing(D(2026, 3, 1))
    await run_billing(D(2026, 3, 1))
    messages = await OutboxMessage.filter(kind="invoice_issued").order_by("created_at")
    assert len(messages) == 2
    assert messages[0].to_addresses == ["ap@acme.test"] and messages[0].cc_addresses == ["cfo@acme.test"]
    assert {m.data["invoice_number"] for m in messages} == {"GL-2026-000001", "GL-2026-000002"}


async def test_a_subscription_needing_a_po_is_held_until_one_arrives(account: Account) -> None:
    await give_profile(account, Coverage.GLOBAL)
    _, (row,) = await book(account, [line("X", "10.00")], booked_on=D(2026, 3, 1), start=D(2026, 3, 1),
                           end=D(2027, 2, 28), po_required=True)
    await activate(row, D(2026, 3, 1))
    held = await run_billing(D(2026, 3, 1))
    again = await run_billing(D(2026, 3, 2))
    assert held.issued == [] and held.held_subscriptions == [row.subscription_id]
    assert again.held == [Hold(row.subscription_id, HoldReason.PURCHASE_ORDER_MISSING)]
    assert await OutboxMessage.filter(kind="invoice_held_for_po").count() == 1
    await set_purchase_order_number(_owner(account), row.subscription_id, "PO-4711")
    (number,) = (await run_billing(D(2026, 3, 3))).issued
    invoice = await Invoice.get(number=number)
    assert invoice.po_number == "PO-4711" and invoice.issue_date == D(2026, 3, 3)


async def test_a_po_exemption_releases_a_held_subscription(account: Account) -> None:
    _, (row,) = await book(account, [line("X", "10.00")], booked_on=D(2026, 3, 1), start=D(2026, 3, 1),
                           end=D(2027, 2, 28), po_required=True)
    await activate(row, D(2026, 3, 1))
    assert (await run_billing(D(2026, 3, 1))).held_subscriptions == [row.subscription_id]
    await file_purchase_order_exemption(_owner(account), row.subscription_id)
    report = await run_billing(D(2026, 3, 2))
    assert len(report.issued) == 1 and report.held == []
    assert (await Invoice.get(number=report.issued[0])).po_number is None


async def test_a_card_paying_coverage_is_charged_on_issue_and_marked_paid(account: Account) -> None:
    await PaymentSettings.create(account=account, coverage=Coverage.GLOBAL, payment_method=PaymentMethod.CREDIT_CARD,
                                 card_reference="card_visa_4242_122030", card_brand="visa")
    await _active_subscriptions(account, 1)
    gateway = TestGateway()
    report = await run_billing(D(2026, 3, 1), gateway=gateway)
    invoice = await Invoice.get(number=report.issued[0])
    assert (invoice.status, invoice.charge_state, invoice.paid_on) == (InvoiceStatus.PAID, ChargeState.SUCCEEDED, D(2026, 3, 1))
    assert invoice.bill_to == {"company_name": "Acme IoT K.K."}
    assert list(gateway.charges) == [invoice.number]


async def test_a_card_payer_without_profile_gets_the_invoice_email_at_its_receipt_address(account: Account) -> None:
    await PaymentSettings.create(account=account, coverage=Coverage.JP, payment_method=PaymentMethod.CREDIT_CARD,
                                 card_reference="card_declinecharge_0002_122030", card_brand="declinecharge",
                                 receipt_email="cards@acme.test")
    await _active_subscriptions(account, 1, coverage=Coverage.JP)
    (number,) = (await run_billing(D(2026, 3, 1), gateway=TestGateway())).issued
    messages = {m.kind: m for m in await OutboxMessage.all()}
    assert set(messages) == {"invoice_issued", "card_payment_failed"}
    for message in messages.values():
        assert (message.to_addresses, message.language) == (["cards@acme.test"], "ja")
    assert messages["invoice_issued"].data["invoice_number"] == number


async def test_a_declined_card_leaves_the_invoice_issued_and_tells_the_customer(account: Account) -> None:
    await give_profile(account, Coverage.GLOBAL, method=PaymentMethod.CREDIT_CARD,
                       card_reference="card_declinecharge_0002_122030")
    await _active_subscriptions(account, 1)
    report = await run_billing(D(2026, 3, 1), gateway=TestGateway())
    invoice = await Invoice.get(number=report.issued[0])
    assert (invoice.status, invoice.charge_state) == (InvoiceStatus.ISSUED, ChargeState.DECLINED)
    assert report.declined == [invoice.number]
    assert (await PaymentSettings.get(account=account, coverage=Coverage.GLOBAL)).card_error_code == "CARD_DECLINED"
    assert await OutboxMessage.filter(kind="card_payment_failed").count() == 1


async def test_a_charge_never_attempted_is_made_by_the_next_run(account: Account) -> None:
    await PaymentSettings.create(account=account, coverage=Coverage.GLOBAL, payment_method=PaymentMethod.CREDIT_CARD,
                                 card_reference="card_visa_4242_122030", card_brand="visa")
    await _active_subscriptions(account, 1)
    await run_billing(D(2026, 3, 1), gateway=TestGateway())
    invoice = await Invoice.first()
    # As if the process had died between the issuing commit and the charge:
    await Invoice.filter(id=invoice.id).update(charge_state=ChargeState.PENDING, status=InvoiceStatus.ISSUED)
    gateway = TestGateway()
    report = await run_billing(D(2026, 3, 2), gateway=gateway)
    assert report.issued == [] and [c.invoice_number for c in report.charges] == [invoice.number]
    assert (await Invoice.get(id=invoice.id)).status is InvoiceStatus.PAID


async def test_pooled_capacity_is_not_prorated(account: Account) -> None:
    _, (row,) = await book(account, [line("Pool", "100.00", pooled=True)], booked_on=D(2026, 1, 1),
                           start=D(2026, 1, 1), end=D(2026, 12, 31))
    await activate(row, D(2026, 2, 15))
    (number,) = (await run_billing(D(2026, 2, 15))).issued
    assert (await Invoice.get(number=number)).total == Decimal("1200.00")


async def test_in_arrears_periods_are_invoiced_after_they_end(account: Account) -> None:
    from billing.rules.periods import BillingFrequency

    _, (row,) = await book(account, [line("X", "30.00")], booked_on=D(2026, 1, 1), start=D(2026, 1, 1),
                           end=D(2026, 12, 31), frequency=BillingFrequency.QUARTERLY_IN_ARREARS)
    await activate(row, D(2026, 1, 1))
    assert (await run_billing(D(2026, 3, 31))).issued == []
    (number,) = (await run_billing(D(2026, 4, 1))).issued
    assert (await Invoice.get(number=number)).total == Decimal("90.00")
    assert await OrderLine.all().count() == 1


async def test_an_invoiced_line_keeps_its_activation_date(account: Account) -> None:
    from billing.errors import BusinessError, ErrorCode

    _, (row,) = await book(account, [line("X", "10.00")], booked_on=D(2026, 3, 1), start=D(2026, 3, 1), end=D(2027, 2, 28))
    await activate(row, D(2026, 3, 2))
    await activate(row, D(2026, 3, 1))  # corrected before billing
    await run_billing(D(2026, 3, 1))
    with pytest.raises(BusinessError) as refused:
        await activate(row, D(2026, 3, 5))
    assert refused.value.errors[0].code is ErrorCode.IMMUTABLE_FIELD


async def test_a_coverage_without_a_payment_method_is_held_and_its_owners_are_told_once(account: Account) -> None:
    await add_member(account.id, "owner", Role.OWNER, email="owner@acme.test")
    _, (row,) = await book(account, [line("X", "10.00")], booked_on=D(2026, 3, 1), start=D(2026, 3, 1),
                           end=D(2027, 2, 28))
    await activate(row, D(2026, 3, 1))
    # The method is gone by the time the run comes (data from before orders were checked, or removed since).
    await PaymentSettings.filter(account_id=account.id).update(payment_method=None, invoice_profile_id=None)
    first = await run_billing(D(2026, 3, 1))
    again = await run_billing(D(2026, 3, 2))
    hold = Hold(row.subscription_id, HoldReason.PAYMENT_METHOD_MISSING)
    assert (first.issued, first.held, again.held) == ([], [hold], [hold])
    assert await Invoice.all().count() == 0, "nothing is billed to nobody"
    (notice,) = await OutboxMessage.filter(kind="billing_held_no_payment_method")
    assert notice.to_addresses == ["owner@acme.test"] and notice.data["subscription"] == f"SUB-{row.subscription_id:06d}"
    await give_profile(account, Coverage.GLOBAL)
    released = await run_billing(D(2026, 3, 3))
    assert len(released.issued) == 1 and released.held == []
    assert (await Invoice.get(number=released.issued[0])).issue_date == D(2026, 3, 3)


async def test_a_run_reports_its_progress_after_each_chunk(account: Account) -> None:
    await _active_subscriptions(account, 5)
    seen: list[tuple[int, int]] = []
    report = await run(D(2026, 3, 1), policy=BillingPolicy(), gateway=TestGateway(), chunk_units=2,
                       progress=lambda done, total: seen.append((done, total)))
    assert len(report.issued) == 5
    assert seen == [(2, 5), (4, 5), (5, 5)]
