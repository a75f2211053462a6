"""Voiding an issued invoice, which issues its credit note (適格返還請求書 on JP).

A qualified invoice, once issued, cannot be taken back silently: voiding it issues
a credit note that returns the whole invoice (its lines, taxes per rate and totals)
under a number of its own, gapless per coverage and year (``JP-CN-2026-000001``),
and emails it once, its PDF attached, and records INVOICE_VOIDED and CREDIT_NOTE_ISSUED (``billing.events``) (rendered right after, like an invoice's:
``billing.documents.stored``). All in one transaction with the void.
"""

from __future__ import annotations

from datetime import date

from tortoise.transactions import in_transaction

from billing import customer_mail, events
from billing.access.caller import Caller
from billing.invoicing.invoices import MAX_REASON, invoice_groups, open_invoice
from billing.invoicing.numbers import allocate_credit_note_number
from billing.rules.text import checked_text
from models.accounts import Account
from models.credit_notes import CreditNote
from models.events import InvoiceEventType
from models.invoices import Invoice, InvoiceLine, InvoiceTax
from models.terms import InvoiceStatus


async def void_invoice(caller: Caller, invoice_id: int, reason: str, today: date | None = None) -> Invoice:
    """Void an issued (unpaid) invoice and issue its credit note dated ``today`` (the
    service's clock; the invoice's own date if that is later)."""
    reason = checked_text(reason, "reason", MAX_REASON)
    async with in_transaction():
        invoice = await open_invoice(caller, invoice_id)
        invoice.status, invoice.void_reason = InvoiceStatus.VOID, reason
        await invoice.save(update_fields=["status", "void_reason"])
        note = await _issue_credit_note(invoice, max(today or date.today(), invoice.issue_date), reason)
        await events.record([
            events.Change(invoice, InvoiceEventType.INVOICE_VOIDED),
            events.Change(invoice, InvoiceEventType.CREDIT_NOTE_ISSUED, note),
        ])
    return invoice


async def _issue_credit_note(invoice: Invoice, issue_date: date, reason: str) -> CreditNote:
    number, sequence = await allocate_credit_note_number(invoice.coverage, issue_date.year)
    note = await CreditNote.create(
        invoice=invoice, account_id=invoice.account_id, coverage=invoice.coverage, number=number,
        year=issue_date.year, sequence=sequence, issue_date=issue_date, reason=reason,
    )
    lines = await InvoiceLine.filter(invoice_id=invoice.id)
    taxes = await InvoiceTax.filter(invoice_id=invoice.id)
    groups = invoice_groups(invoice, lines, taxes)
    account = await Account.get(id=invoice.account_id)
    payer = await customer_mail.load_payer(invoice.account_id, invoice.coverage, account.name)
    await customer_mail.credit_note_issued(invoice, number, payer, [(group.coverage, group.total) for group in groups])
    return note
