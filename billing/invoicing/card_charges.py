"""Charging a card-paying coverage's invoice after it was issued.

Never inside the issuing transaction: the invoice is committed first (state
``PENDING``), the gateway is called with the invoice number as idempotency key,
and the outcome is recorded in a second transaction. A process that dies in
between leaves the invoice ``PENDING``; the next run charges it again under the
same key, so the card is charged at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from billing import customer_mail, events
from billing.payment_settings.cards import record_card_error
from billing.payment_settings.gateway import ChargeResult, PaymentGateway
from kit.money import Currency, Money
from models.accounts import Account
from models.events import InvoiceEventType
from models.invoices import ChargeState, Invoice
from models.payment import PaymentSettings
from models.terms import InvoiceStatus


@dataclass(frozen=True)
class ChargeOutcome:
    invoice_number: str
    state: ChargeState
    error_code: str | None = None


def charged_amount(invoice: Invoice) -> Money:
    """What a card pays for ``invoice``. Only an invoice of one coverage is paid by
    card (merged coverages pay by invoice), so it has one currency and a total."""
    if invoice.total is None or invoice.currency is None:
        raise ValueError(f"invoice {invoice.number} has several currencies; it cannot be charged to a card")
    return Money(invoice.total, Currency(invoice.currency))


async def pending_card_invoices() -> list[int]:
    rows = await Invoice.filter(charge_state=ChargeState.PENDING).order_by("id").values_list("id")
    return [invoice_id for (invoice_id,) in rows]


async def charge_invoice(gateway: PaymentGateway, invoice_id: int) -> ChargeOutcome:
    invoice = await Invoice.get(id=invoice_id)
    settings = await PaymentSettings.get_or_none(account_id=invoice.account_id, coverage=invoice.coverage)
    if invoice.charge_state is not ChargeState.PENDING:
        return ChargeOutcome(invoice.number, invoice.charge_state, invoice.charge_error_code)
    if settings is None or settings.card_reference is None:
        result = ChargeResult(False, error_code="NO_CARD")
    else:
        result = await gateway.charge(settings.card_reference, charged_amount(invoice), idempotency_key=invoice.number)
    return await _record(invoice_id, result)


async def _record(invoice_id: int, result: ChargeResult) -> ChargeOutcome:
    async with in_transaction():
        invoice = await Invoice.filter(id=invoice_id).select_for_update().get()
        if invoice.charge_state is not ChargeState.PENDING:  # another run recorded it
            return ChargeOutcome(invoice.number, invoice.charge_state, invoice.charge_error_code)
        if result.succeeded:
            invoice.charge_state, invoice.charge_id = ChargeState.SUCCEEDED, result.charge_id
            invoice.status, invoice.paid_on = InvoiceStatus.PAID, invoice.issue_date
        else:
            invoice.charge_state, invoice.charge_error_code = ChargeState.DECLINED, result.error_code
            await _mark_card_in_error(invoice, result.error_code or "CARD_DECLINED")
        await invoice.save(update_fields=["charge_state", "charge_id", "charge_error_code", "status", "paid_on"])
        if result.succeeded:
            await events.record([events.Change(invoice, InvoiceEventType.INVOICE_PAID)])
        return ChargeOutcome(invoice.number, invoice.charge_state, invoice.charge_error_code)


async def _mark_card_in_error(invoice: Invoice, code: str) -> None:
    """The coverage shows the card's error code; the customer is told by email
    (``billing.customer_mail``)."""
    await record_card_error(invoice.account_id, invoice.coverage, code)
    account = await Account.get(id=invoice.account_id)
    payer = await customer_mail.load_payer(invoice.account_id, invoice.coverage, account.name)
    await customer_mail.card_payment_failed(invoice, payer, code, charged_amount(invoice))
