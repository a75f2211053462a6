"""Reading invoices and subscriptions (customers: their own; staff: any) and the
staff's payment and void of an invoice."""

from __future__ import annotations

import uuid
from datetime import date

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from billing.caller import SCOPE_BILLING_READ, SCOPE_BILLING_WRITE, SCOPE_INVOICES_READ, Caller
from billing.errors import BusinessError, ErrorCode
from billing.invoice_status import DisplayStatus, status_filter, today_utc
from models.coverage import Coverage
from models.invoices import Invoice, InvoiceStatus
from models.orders import OrderLine, Subscription

MAX_REASON = 500
READ_SCOPES = (SCOPE_BILLING_READ, SCOPE_BILLING_WRITE, SCOPE_INVOICES_READ)


def _account_scope(caller: Caller, account_id: uuid.UUID | None) -> dict[str, uuid.UUID] | None:
    """The account filter for ``caller``: a customer reads their own account only
    (an ``account_id`` naming another reads nothing); staff read the one named, or all."""
    if caller.is_staff:
        return {"account_id": account_id} if account_id else {}
    if not any(caller.has_scope(scope) for scope in READ_SCOPES):
        return None
    if caller.account_id is None or (account_id is not None and account_id != caller.account_id):
        return None
    return {"account_id": caller.account_id}


async def find_invoice(caller: Caller, number: str, account_id: uuid.UUID | None = None) -> Invoice | None:
    """The invoice numbered ``number`` if the caller may read it (else None, like a missing one)."""
    scope = _account_scope(caller, account_id)
    if scope is None:
        return None
    return await Invoice.filter(number=number, **scope).first()


async def invoice_by_id(caller: Caller, invoice_id: int) -> Invoice | None:
    scope = _account_scope(caller, None)
    if scope is None:
        return None
    return await Invoice.filter(id=invoice_id, **scope).first()


def invoices_query(
    caller: Caller, *, account_id: uuid.UUID | None = None, coverage: Coverage | None = None,
    status: DisplayStatus | None = None, today: date | None = None,
) -> QuerySet[Invoice]:
    scope = _account_scope(caller, account_id)
    if scope is None:
        return Invoice.filter(id=-1)
    query = Invoice.filter(**scope)
    if coverage is not None:
        query = query.filter(coverage=coverage)
    if status is not None:
        query = query.filter(**status_filter(status, today or today_utc()))
    return query


def subscriptions_query(caller: Caller, account_id: uuid.UUID | None = None) -> QuerySet[Subscription]:
    scope = _account_scope(caller, account_id)
    if scope is None:
        return Subscription.filter(id=-1)
    return Subscription.filter(**scope)


async def subscription_by_id(caller: Caller, subscription_id: int) -> Subscription | None:
    return await subscriptions_query(caller).filter(id=subscription_id).first()


async def order_line_by_id(caller: Caller, line_id: int) -> OrderLine | None:
    """An order line of one of the caller's subscriptions, with its order and subscription."""
    scope = _account_scope(caller, None)
    if scope is None:
        return None
    filters = {f"subscription__{key}": value for key, value in scope.items()}
    return await OrderLine.filter(id=line_id, **filters).select_related("order", "subscription").first()


async def _open_invoice(caller: Caller, invoice_id: int) -> Invoice:
    if not caller.is_staff:
        raise BusinessError.single(ErrorCode.NOT_ALLOWED, "Only staff record payments and void invoices.")
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
