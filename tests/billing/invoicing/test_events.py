"""The change feed's events: written with the change they record (issue, payment by
staff or by card, void with its credit note, past due), numbered 1, 2, 3… per account
without gaps, also when transactions of one account run at once."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from tortoise.transactions import in_transaction

from billing import events
from billing.invoicing.invoices import record_payment
from billing.invoicing.past_due import record_past_due
from billing.invoicing.voiding import void_invoice
from billing.payment_settings.gateway import TestGateway
from models.accounts import Account
from models.coverage import Coverage
from models.events import InvoiceEvent, InvoiceEventType
from models.invoices import Invoice
from models.payment import PaymentMethod
from tests.support.invoicing import STAFF, activate, book, give_profile, line, run_billing

DAY = date(2026, 3, 1)


async def _subscription(account: Account, coverage: Coverage = Coverage.GLOBAL) -> None:
    _, rows = await book(
        account, [line("Edge", "3000")], booked_on=DAY, start=DAY, end=date(2027, 2, 28), coverage=coverage
    )
    await activate(rows[0], DAY)


async def _feed(account: Account) -> list[tuple[int, InvoiceEventType, str]]:
    rows = await InvoiceEvent.filter(account_id=account.id).order_by("sequence").select_related("invoice")
    return [(row.sequence, row.type, row.invoice.number) for row in rows]


async def test_each_change_of_an_invoice_is_one_event_numbered_per_account(
    account: Account, other_account: Account
) -> None:
    for _ in range(2):
        await _subscription(account)
    await _subscription(other_account)
    report = await run_billing(DAY)
    first, second = await Invoice.filter(account_id=account.id).order_by("number")
    mine = [first.number, second.number]
    assert set(mine) <= set(report.issued)

    await record_payment(STAFF, first.id, date(2026, 3, 10))
    await void_invoice(STAFF, second.id, "Ordered twice.", today=date(2026, 3, 11))

    feed = await _feed(account)
    assert [(s, t) for s, t, _ in feed] == [
        (1, InvoiceEventType.INVOICE_ISSUED), (2, InvoiceEventType.INVOICE_ISSUED),
        (3, InvoiceEventType.INVOICE_PAID), (4, InvoiceEventType.INVOICE_VOIDED),
        (5, InvoiceEventType.CREDIT_NOTE_ISSUED),
    ]
    assert [n for _, _, n in feed] == [*mine, first.number, second.number, second.number]
    assert [(s, t) for s, t, _ in await _feed(other_account)] == [(1, InvoiceEventType.INVOICE_ISSUED)]
    note = await InvoiceEvent.get(account_id=account.id, sequence=5).prefetch_related("credit_note")
    assert note.credit_note is not None and note.data["creditNoteNumber"] == note.credit_note.number
    paid = await InvoiceEvent.get(account_id=account.id, sequence=3)
    assert (paid.data["status"], paid.data["paidOn"], paid.data["number"]) == ("PAID", "2026-03-10", first.number)
    assert (await Invoice.get(id=first.id)).updated_at == paid.occurred_at


@pytest.mark.parametrize(("card", "paid"), [("card_visa_4242_122030", True), ("card_declinecharge_0002_122030", False)])
async def test_a_card_payment_is_an_event_and_a_declined_one_is_not(account: Account, card: str, paid: bool) -> None:
    await give_profile(account, Coverage.GLOBAL, method=PaymentMethod.CREDIT_CARD, card_reference=card)
    await _subscription(account)
    await run_billing(DAY, gateway=TestGateway())
    paid_events = [InvoiceEventType.INVOICE_PAID] if paid else []
    assert [t for _, t, _ in await _feed(account)] == [InvoiceEventType.INVOICE_ISSUED, *paid_events]


async def test_an_invoice_past_due_is_announced_once_by_the_daily_run(account: Account) -> None:
    await _subscription(account)
    (number,) = (await run_billing(DAY)).issued
    invoice = await Invoice.get(number=number)
    assert await record_past_due(invoice.due_date) == []  # on its due date it is still on time

    report = await run_billing(date(2026, 4, 15))
    assert report.past_due == [number]
    assert await record_past_due(date(2026, 4, 16)) == []
    assert [(s, t) for s, t, _ in await _feed(account)] == [
        (1, InvoiceEventType.INVOICE_ISSUED), (2, InvoiceEventType.INVOICE_PAST_DUE)
    ]
    event = await InvoiceEvent.get(account_id=account.id, sequence=2)
    assert event.data["status"] == "PAST_DUE"
    assert (await Invoice.get(id=invoice.id)).updated_at == event.occurred_at  # it changed then


async def test_a_change_that_rolls_back_leaves_no_event_and_no_gap(account: Account) -> None:
    await _subscription(account)
    (number,) = (await run_billing(DAY)).issued
    invoice = await Invoice.get(number=number)
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await events.record([events.Change(invoice, InvoiceEventType.INVOICE_PAID)])
            raise RuntimeError("the change failed after its event was written")
    await record_payment(STAFF, invoice.id, date(2026, 3, 10))
    assert [(s, t) for s, t, _ in await _feed(account)] == [
        (1, InvoiceEventType.INVOICE_ISSUED), (2, InvoiceEventType.INVOICE_PAID)
    ]


async def test_concurrent_changes_of_one_account_get_consecutive_numbers_in_commit_order(
    account: Account, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises them in-process)")
    await _subscription(account)
    (number,) = (await run_billing(DAY)).issued
    invoice = await Invoice.get(number=number)
    committed: list[int] = []

    async def change() -> None:
        async with in_transaction():
            (event,) = await events.record([events.Change(invoice, InvoiceEventType.INVOICE_PAID)])
            await asyncio.sleep(0.01)  # hold the number a moment: the others must wait, not skip ahead
        committed.append(event.sequence)

    await asyncio.gather(*(change() for _ in range(20)))
    assert sorted(committed) == list(range(2, 22))
    assert committed == sorted(committed), "numbers commit in order"
    assert [s for s, _, _ in await _feed(account)] == list(range(1, 22))


