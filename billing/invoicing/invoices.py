"""Reading invoices and subscriptions (customers: their own; staff: any) and the
staff's payment and void of an invoice."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from billing import events
from billing.access.caller import INVOICE_READ_SCOPES, Caller
from billing.access.rules import readable, require_staff
from billing.errors import BusinessError, ErrorCode
from billing.invoicing.search import InvoiceSearch
from billing.rules.invoice_number import parse_invoice_number
from kit.money import Currency, Money, from_minor_units, to_minor_units
from models.coverage import Coverage
from models.events import InvoiceEventType
from models.invoices import Invoice, InvoiceLine, InvoiceTax
from models.orders import OrderLine, Subscription
from models.terms import InvoiceStatus

MAX_REASON = 500


@dataclass(frozen=True)
class InvoiceGroup:
    """The lines and taxes of one coverage on an invoice, with that currency's amounts."""

    coverage: Coverage
    lines: list[InvoiceLine]
    taxes: list[InvoiceTax]
    subtotal: Money
    tax_total: Money

    @property
    def currency(self) -> Currency:
        return self.coverage.currency

    @property
    def total(self) -> Money:
        return self.subtotal + self.tax_total


def invoice_groups(invoice: Invoice, lines: Sequence[InvoiceLine], taxes: Sequence[InvoiceTax]) -> list[InvoiceGroup]:
    """An invoice's lines and taxes by coverage (the numbering coverage first), with
    each currency's subtotal, tax and total. Lines and taxes issued before invoices
    could bill two coverages name none: they are the invoice's coverage."""
    def coverage_of(row: InvoiceLine | InvoiceTax) -> Coverage:
        return row.coverage or invoice.coverage

    coverages = sorted({coverage_of(row) for row in lines}, key=lambda c: (c is not invoice.coverage, c.value))
    groups = []
    for coverage in coverages:
        mine = [row for row in lines if coverage_of(row) is coverage]
        mine_taxes = [row for row in taxes if coverage_of(row) is coverage]
        currency = coverage.currency
        groups.append(InvoiceGroup(
            coverage, mine, mine_taxes,
            Money(_minor_sum((row.amount for row in mine), currency), currency),
            Money(_minor_sum((row.tax_amount for row in mine_taxes), currency), currency),
        ))
    return groups


def _minor_sum(amounts: Iterable[Decimal], currency: Currency) -> Decimal:
    return from_minor_units(sum(to_minor_units(amount, currency) for amount in amounts), currency)


def invoices_query(
    caller: Caller, *, account_id: uuid.UUID | None = None, searches: Sequence[InvoiceSearch] = (),
    today: date | None = None,
) -> QuerySet[Invoice]:
    """The invoices ``caller`` may read (staff: of ``account_id``, or all), narrowed by
    every one of ``searches`` together (each checked here); statuses as shown on
    ``today`` (the service's clock)."""
    query = readable(Invoice.all(), caller, scopes=INVOICE_READ_SCOPES, account_id=account_id)
    for search in searches:
        search = search.checked()
        if search.statuses and today is None:
            raise ValueError("reading invoices by status needs today's date from the service's clock")
        query = search.applied(query, today or date.min)
    return query


async def find_invoice(caller: Caller, number: str, account_id: uuid.UUID | None = None) -> Invoice | None:
    """The invoice numbered ``number`` if the caller may read it (else None, like a missing one).
    A text that is not an invoice number (of any length) names no invoice: no query is sent."""
    try:
        parse_invoice_number(number)
    except ValueError:
        return None
    return await invoices_query(caller, account_id=account_id).filter(number=number).first()


async def invoices_by_id(caller: Caller, ids: list[int]) -> dict[int, Invoice]:
    """The invoices among ``ids`` the caller may read."""
    return {row.id: row for row in await invoices_query(caller).filter(id__in=ids)}


def subscriptions_query(caller: Caller, account_id: uuid.UUID | None = None) -> QuerySet[Subscription]:
    return readable(Subscription.all(), caller, scopes=INVOICE_READ_SCOPES, account_id=account_id)


async def subscriptions_by_id(caller: Caller, ids: list[int]) -> dict[int, Subscription]:
    """The subscriptions among ``ids`` the caller may read."""
    return {row.id: row for row in await subscriptions_query(caller).filter(id__in=ids)}


async def order_lines_by_id(caller: Caller, ids: list[int]) -> dict[int, OrderLine]:
    """The order lines among ``ids`` on subscriptions the caller may read, with their
    order and subscription."""
    query = readable(
        OrderLine.filter(id__in=ids), caller, scopes=INVOICE_READ_SCOPES, account_field="subscription__account_id"
    )
    return {row.id: row for row in await query.select_related("order", "subscription")}


async def open_invoice(caller: Caller, invoice_id: int) -> Invoice:
    require_staff(caller, "record payments and void invoices")
    invoice = await Invoice.filter(id=invoice_id).select_for_update().first()
    if invoice is None:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such invoice.", "invoiceId")
    if invoice.status is not InvoiceStatus.ISSUED:
        raise BusinessError.single(ErrorCode.INVOICE_NOT_OPEN, f"The invoice is {invoice.status.value}.", "invoiceId")
    return invoice


async def record_payment(caller: Caller, invoice_id: int, paid_on: date) -> Invoice:
    async with in_transaction():
        invoice = await open_invoice(caller, invoice_id)
        if paid_on < invoice.issue_date:
            raise BusinessError.single(ErrorCode.INVALID, "A payment cannot precede the invoice date.", "paidOn")
        invoice.status, invoice.paid_on = InvoiceStatus.PAID, paid_on
        await invoice.save(update_fields=["status", "paid_on"])
        await events.record([events.Change(invoice, InvoiceEventType.INVOICE_PAID)])
    return invoice


