"""Issued invoices, their lines and taxes, the number counters, and the ledger of
billed charges. An invoice row never changes after issue except its payment state
(status, payment and card-charge fields)."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.coverage import Coverage
from models.orders import AMOUNT_DECIMALS, AMOUNT_DIGITS
from models.terms import ChargeKind, InvoiceStatus, PaymentTerms, TaxCategory

if TYPE_CHECKING:
    from models.accounts import Account
    from models.orders import OrderLine, Subscription


class ChargeState(str, Enum):
    """The card charge of an invoice paid by card (``NONE`` when paid otherwise)."""

    NONE = "NONE"
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    DECLINED = "DECLINED"


def _amount() -> fields.DecimalField[Decimal]:
    return fields.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)


def _optional_amount() -> fields.DecimalField[Decimal | None]:
    return fields.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, null=True)


class InvoiceCounter(Model):
    """The last number issued per coverage and year, locked to allocate the next."""

    id = fields.IntField(primary_key=True)
    coverage = fields.CharEnumField(Coverage, max_length=10)
    year = fields.SmallIntField()
    last_sequence = fields.IntField(default=0)

    class Meta:
        table = "invoice_counters"
        unique_together = (("coverage", "year"),)


class Invoice(Model):
    """One issued invoice. An invoice of merged coverages bills the subscriptions of
    both: its lines and taxes name their coverage, and ``subscription``, ``currency``
    and the amounts are null when it has two currencies (each coverage group's
    amounts are the sums of its lines and taxes). ``coverage`` is the sequence it
    is numbered in."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="invoices", on_delete=fields.RESTRICT
    )
    account_id: UUID
    subscription: fields.ForeignKeyNullableRelation[Subscription] = fields.ForeignKeyField(
        "portal.Subscription", related_name="invoices", db_index=True, on_delete=fields.RESTRICT, null=True
    )
    subscription_id: int | None
    coverage = fields.CharEnumField(Coverage, max_length=10)
    number = fields.CharField(max_length=32, db_index=True)
    year = fields.SmallIntField()
    sequence = fields.IntField()
    issue_date = fields.DateField()
    due_date = fields.DateField()
    currency = fields.CharField(max_length=3, null=True)
    payment_terms = fields.CharEnumField(PaymentTerms, max_length=16)
    po_number = fields.CharField(max_length=100, null=True)
    subtotal = _optional_amount()
    tax_total = _optional_amount()
    total = _optional_amount()
    bill_to: fields.JSONField[dict[str, Any]] = fields.JSONField()
    # The recipient's company name at issue (``bill_to["company_name"]``), as a column: the
    # counterparty the bookkeeping search matches (``invoices(filter: {counterparty})``).
    counterparty = fields.CharField(max_length=200, default="", db_default="")
    # Whether its PDF is still to be rendered (set at issue, cleared when stored): the
    # worker's queue, read through an index instead of comparing with every document.
    document_pending = fields.BooleanField(default=False, db_default=False, db_index=True)
    issuer: fields.JSONField[dict[str, str | None]] = fields.JSONField()
    language = fields.CharField(max_length=2)
    status = fields.CharEnumField(InvoiceStatus, max_length=10, default=InvoiceStatus.ISSUED)
    paid_on = fields.DateField(null=True)
    void_reason = fields.CharField(max_length=500, null=True)
    charge_state = fields.CharEnumField(ChargeState, max_length=10, default=ChargeState.NONE)
    charge_id = fields.CharField(max_length=200, null=True)
    charge_error_code = fields.CharField(max_length=40, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # When it last changed (issue, payment, void, past due): set with each event of the
    # change feed (``billing.events``), what ``invoices(filter: {updatedSince})`` reads.
    updated_at = fields.DatetimeField(null=True)
    # Whether its INVOICE_PAST_DUE event has been recorded (once, by the daily sweep).
    past_due_recorded = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "invoices"
        unique_together = (("coverage", "number"), ("coverage", "year", "sequence"))
        indexes = (("account_id", "issue_date"), ("account_id", "updated_at"), ("status", "due_date"))


class InvoiceLine(Model):
    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "portal.Invoice", related_name="lines", db_index=True, on_delete=fields.CASCADE
    )
    invoice_id: int
    position = fields.SmallIntField()
    order_number = fields.CharField(max_length=20)
    product = fields.CharField(max_length=100)
    description = fields.CharField(max_length=500)
    period_start = fields.DateField()
    period_end = fields.DateField()
    amount = _amount()
    tax_category = fields.CharEnumField(TaxCategory, max_length=10)
    kind = fields.CharEnumField(
        ChargeKind, max_length=10, default=ChargeKind.RECURRING, db_default=ChargeKind.RECURRING.value
    )
    # The coverage whose subscription this line bills (null on lines issued before
    # merged invoices existed: the invoice's coverage) and that subscription's PO.
    coverage = fields.CharEnumField(Coverage, max_length=10, null=True)
    po_number = fields.CharField(max_length=100, null=True)

    class Meta:
        table = "invoice_lines"


class InvoiceTax(Model):
    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "portal.Invoice", related_name="taxes", db_index=True, on_delete=fields.CASCADE
    )
    invoice_id: int
    category = fields.CharEnumField(TaxCategory, max_length=10)
    rate = fields.DecimalField(max_digits=5, decimal_places=4)
    taxable_amount = _amount()
    tax_amount = _amount()
    coverage = fields.CharEnumField(Coverage, max_length=10, null=True)  # null: the invoice's coverage

    class Meta:
        table = "invoice_taxes"


class BilledCharge(Model):
    """One order line billed for one period, per kind of charge. The unique key
    makes the database itself refuse to bill a line twice for the same kind and
    period; usage (``OVERAGE``, ``BURSTING``) is keyed by the first day of its
    calendar month, so it never collides with the recurring charge of a period
    starting that day."""

    id = fields.IntField(primary_key=True)
    order_line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "portal.OrderLine", related_name="billed", on_delete=fields.RESTRICT
    )
    order_line_id: int
    kind = fields.CharEnumField(
        ChargeKind, max_length=10, default=ChargeKind.RECURRING, db_default=ChargeKind.RECURRING.value
    )
    period_start = fields.DateField()
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "portal.Invoice", related_name="charges", db_index=True, on_delete=fields.RESTRICT
    )
    invoice_id: int

    class Meta:
        table = "billed_charges"
        unique_together = (("order_line", "kind", "period_start"),)
