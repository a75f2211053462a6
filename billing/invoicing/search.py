"""Which invoices a list shows, and in what order: the filters partners sync with
and the bookkeeping search (電子帳簿保存法: issue date, amount, counterparty), and
the orderings a list can be paged in.

Every filter is a plain value checked here (``InvoiceSearch.checked``) and turned
into query conditions; all given conditions apply together. Range bounds are
inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pypika_tortoise import functions as sql
from tortoise.expressions import Q, Subquery
from tortoise.functions import Function
from tortoise.queryset import QuerySet

from billing.errors import BusinessError, ErrorCode
from billing.rules.invoice_status import DisplayStatus
from billing.rules.text import checked_text
from models.coverage import Coverage
from models.invoices import BilledCharge, Invoice, InvoiceLine
from models.terms import InvoiceStatus

MAX_PO_NUMBER = 100


def status_condition(status: DisplayStatus, today: date) -> Q:
    """Invoices that show ``status`` on ``today`` (PAST_DUE is derived, never stored)."""
    if status is DisplayStatus.PAST_DUE:
        return Q(status=InvoiceStatus.ISSUED, due_date__lt=today)
    if status is DisplayStatus.ISSUED:
        return Q(status=InvoiceStatus.ISSUED, due_date__gte=today)
    return Q(status=InvoiceStatus(status.value))


def _invalid(message: str, field: str) -> BusinessError:
    return BusinessError.single(ErrorCode.INVALID, message, field)


@dataclass(frozen=True)
class InvoiceSearch:
    """Conditions on a list of invoices; None (or empty) means "any"."""

    issued_from: date | None = None
    issued_to: date | None = None
    total_from: Decimal | None = None
    total_to: Decimal | None = None
    counterparty: str | None = None
    coverage: Coverage | None = None
    statuses: tuple[DisplayStatus, ...] = ()
    due_from: date | None = None
    due_to: date | None = None
    subscription_id: int | None = None
    """A subscription the invoice bills (on a merged invoice, one of them); 0 names none."""
    po_number: str | None = None
    """The PO number on the invoice or on one of its lines, exactly."""
    updated_since: datetime | None = None
    """Changed (issued, paid, voided, past due) at or after this instant."""

    def checked(self) -> InvoiceSearch:
        """Itself, normalised, or ``BusinessError`` naming the field that cannot be searched."""
        for low, high, names in (
            (self.issued_from, self.issued_to, ("filter.issuedFrom", "issuedFrom", "issuedTo")),
            (self.due_from, self.due_to, ("filter.dueFrom", "dueFrom", "dueTo")),
        ):
            if low and high and low > high:
                raise _invalid(f"{names[1]} is after {names[2]}.", names[0])
        for field, amount in (("filter.totalFrom", self.total_from), ("filter.totalTo", self.total_to)):
            if amount is not None and (not amount.is_finite() or amount < 0):
                raise _invalid("An amount to search must be 0 or more.", field)
        if self.total_from is not None and self.total_to is not None and self.total_from > self.total_to:
            raise _invalid("totalFrom is more than totalTo.", "filter.totalFrom")
        if self.updated_since is not None and self.updated_since.tzinfo is None:
            raise _invalid("updatedSince needs a time zone (UTC: end it with Z).", "filter.updatedSince")
        counterparty = None if self.counterparty is None else checked_text(self.counterparty, "filter.counterparty", 200)
        po_number = None if self.po_number is None else checked_text(self.po_number, "filter.poNumber", MAX_PO_NUMBER)
        statuses = tuple(dict.fromkeys(self.statuses))  # a repeated status adds nothing
        return replace(self, counterparty=counterparty or None, po_number=po_number or None, statuses=statuses)

    def applied(self, query: QuerySet[Invoice], today: date) -> QuerySet[Invoice]:
        """``query`` narrowed (an amount bound leaves out invoices of two currencies,
        which have no single total); ``today`` (the service's clock) tells PAST_DUE."""
        bounds: dict[str, Any] = {
            "issue_date__gte": self.issued_from, "issue_date__lte": self.issued_to,
            "due_date__gte": self.due_from, "due_date__lte": self.due_to,
            "total__gte": self.total_from, "total__lte": self.total_to, "counterparty__icontains": self.counterparty,
            "coverage": self.coverage, "updated_at__gte": self.updated_since,
        }
        given = {key: value for key, value in bounds.items() if value is not None}
        if given:
            query = query.filter(**given)
        if self.statuses:
            query = query.filter(Q(*(status_condition(s, today) for s in self.statuses), join_type="OR"))
        if self.subscription_id is not None:
            billed = BilledCharge.filter(order_line__subscription_id=self.subscription_id).values("invoice_id")
            query = query.filter(Q(subscription_id=self.subscription_id) | Q(id__in=Subquery(billed)))
        if self.po_number is not None:
            lines = InvoiceLine.filter(po_number=self.po_number).values("invoice_id")
            query = query.filter(Q(po_number=self.po_number) | Q(id__in=Subquery(lines)))
        return query


class OrderField(str, Enum):
    """What a list of invoices is sorted by (then by id, so that the order is total)."""

    ISSUE_DATE = "ISSUE_DATE"
    DUE_DATE = "DUE_DATE"
    NUMBER = "NUMBER"
    TOTAL = "TOTAL"
    UPDATED_AT = "UPDATED_AT"


_COLUMNS = {
    OrderField.ISSUE_DATE: "issue_date",
    OrderField.DUE_DATE: "due_date",
    OrderField.NUMBER: "number",
    OrderField.TOTAL: "sort_total",
    OrderField.UPDATED_AT: "updated_at",
}

NO_TOTAL = -1
"""Where an invoice of two currencies (no single total) sorts by TOTAL: before every amount."""


def _total_or_none(term: Any, default: Any, **kwargs: Any) -> sql.Cast:
    return sql.Cast(sql.Coalesce(term, default), "NUMERIC", **kwargs)


class TotalOrNone(Function):
    """``CAST(COALESCE(total, -1) AS NUMERIC)``: the total, or -1 when there is none.
    The cast keeps numeric comparison on SQLite, which compares an expression without
    a declared type with the cursor's value (bound as text) as text otherwise."""

    database_func = staticmethod(_total_or_none)  # type: ignore[assignment]


@dataclass(frozen=True)
class InvoiceOrder:
    field: OrderField = OrderField.ISSUE_DATE
    descending: bool = True

    @property
    def keys(self) -> tuple[str, ...]:
        """The keyset ordering: the field, then id, in the direction asked."""
        sign = "-" if self.descending else ""
        return (f"{sign}{_COLUMNS[self.field]}", f"{sign}id")

    @property
    def name(self) -> str:
        """Names the ordering in a cursor, so a cursor of another ordering is refused."""
        return f"{self.field.value}:{'DESC' if self.descending else 'ASC'}"

    def prepared(self, query: QuerySet[Invoice]) -> QuerySet[Invoice]:
        """``query`` with what the ordering reads (TOTAL sorts a missing total as -1,
        identically on every database, where NULLs would sort first or last)."""
        if self.field is OrderField.TOTAL:
            return query.annotate(sort_total=TotalOrNone("total", NO_TOTAL))
        return query
