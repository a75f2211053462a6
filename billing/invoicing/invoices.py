"""Reading invoices and subscriptions (customers: their own; staff: any) and the
staff's payment and void of an invoice."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from billing.access.caller import INVOICE_READ_SCOPES, Caller
from billing.access.rules import readable, require_staff
from billing.clock import today_utc
from billing.errors import BusinessError, ErrorCode
from billing.rules.invoice_status import DisplayStatus
from models.coverage import Coverage
from models.invoices import Invoice
from models.orders import OrderLine, Subscription
from models.terms import InvoiceStatus

MAX_REASON = 500


def _status_filter(status: DisplayStatus, today: date) -> dict[str, Any]:
    """Query filters selecting invoices that show ``status`` on ``today``."""
    if status is DisplayStatus.PAST_DUE:
        return {"status": InvoiceStatus.ISSUED, "due_date__lt": today}
    if status is DisplayStatus.ISSUED:
        return {"status": InvoiceStatus.ISSUED, "due_date__gte": today}
    return {"status": InvoiceStatus(status.value)}


def invoices_query(
    caller: Caller, *, account_id: uuid.UUID | None = None, coverage: Coverage | None = None,
    status: DisplayStatus | None = None, today: date | None = None,
) -> QuerySet[Invoice]:
    """The invoices ``caller`` may read (staff: of ``account_id``, or all)."""
    query = readable(Invoice.all(), caller, scopes=INVOICE_READ_SCOPES, account_id=account_id)
    if coverage is not None:
        query = query.filter(coverage=coverage)
    if status is not None:
        query = query.filter(**_status_filter(status, today or today_utc()))
    return query


async def find_invoice(caller: Caller, number: str, account_id: uuid.UUID | None = None) -> Invoice | None:
    """The invoice numbered ``number`` if the caller may read it (else None, like a missing one)."""
    return await invoices_query(caller, account_id=account_id).filter(number=number).first()


async def invoice_by_id(caller: Caller, invoice_id: int) -> Invoice | None:
    return await invoices_query(caller).filter(id=invoice_id).first()


def subscriptions_query(caller: Caller, account_id: uuid.UUID | None = None) -> QuerySet[Subscription]:
    return readable(Subscription.all(), caller, scopes=INVOICE_READ_SCOPES, account_id=account_id)


async def subscription_by_id(caller: Caller, subscription_id: int) -> Subscription | None:
    return await subscriptions_query(caller).filter(id=subscription_id).first()


async def order_line_by_id(caller: Caller, line_id: int) -> OrderLine | None:
    """An order line of one of the caller's subscriptions, with its order and subscription."""
    query = readable(
        OrderLine.filter(id=line_id), caller, scopes=INVOICE_READ_SCOPES, account_field="subscription__account_id"
    )
    return await query.select_related("order", "subscription").first()


async def _open_invoice(caller: Caller, invoice_id: int) -> Invoice:
    require_staff(caller, "record payments and void invoices")
    invoice = await Invoice.filter(id=invoice_id).select_for_update().first()
    if invoice is None:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such invoice.", "invoiceId")
    if invoice.status is not InvoiceStatus.ISSUED:
        raise BusinessError.single(ErrorCode.INVOICE_NOT_OPEN, f"The invoice is {invoice.status.value}.", "invoiceId")
    return invoice


async def record_payment(caller: Caller, invoice_id: int, paid_on: date) -> Invoice:
    async with in_transaction():
        invoice = await _open_invoice(caller, invoice_id)
        if paid_on < invoice.issue_date:
            raise BusinessError.single(ErrorCode.INVALID, "A payment cannot precede the invoice date.", "paidOn")
        invoice.status, invoice.paid_on = InvoiceStatus.PAID, paid_on
        await invoice.save(update_fields=["status", "paid_on"])
    return invoice


async def void_invoice(caller: Caller, invoice_id: int, reason: str) -> Invoice:
    reason = reason.strip()
    if not reason:
        raise BusinessError.single(ErrorCode.REQUIRED, "Say why the invoice is void.", "reason")
    if len(reason) > MAX_REASON:
        raise BusinessError.single(ErrorCode.TOO_LONG, f"At most {MAX_REASON} characters.", "reason")
    async with in_transaction():
        invoice = await _open_invoice(caller, invoice_id)
        invoice.status, invoice.void_reason = InvoiceStatus.VOID, reason
        await invoice.save(update_fields=["status", "void_reason"])
    return invoice
