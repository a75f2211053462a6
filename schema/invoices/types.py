"""Output types of the invoices feature: the invoice, its lines, taxes, bill-to
snapshot, issuer and document (the report of a billing run: ``run_report``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from billing.access.caller import INVOICE_READ_SCOPES
from billing.invoicing.invoices import InvoiceGroup, invoice_groups, invoices_by_id
from billing.rules.invoice_status import display_status
from models.invoices import Invoice, InvoiceLine, InvoiceTax
from schema.context import Info
from schema.documents.types import CreditNoteType, IssuedDocument
from schema.emails.types import EmailNotification
from schema.ids import resolve_int_nodes
from schema.invoices.enums import ChargeKind, DisplayStatus
from schema.permissions import readable_by
from schema.types.enums import Coverage, Currency, PaymentTerms, TaxCategory
from schema.types.money import MoneyType


def money(amount: Decimal, currency: Currency) -> MoneyType:
    return MoneyType.of(amount, currency)


@strawberry.type(name="InvoiceLine", description="One charge on an invoice: an order's product for a service period.")
class InvoiceLineType:
    order_number: str = strawberry.field(description="The order this line bills.")
    product: str = strawberry.field(description="The product.")
    description: str = strawberry.field(description="What the line is for.")
    period_start: date = strawberry.field(description="First day of service billed (inclusive).")
    period_end: date = strawberry.field(description="Last day of service billed (inclusive).")
    amount: MoneyType = strawberry.field(description="The prorated amount, rounded half-up at the line.")
    tax_category: TaxCategory = strawberry.field(description="The line's tax category.")
    kind: ChargeKind = strawberry.field(
        description="RECURRING, or a month's usage billed in arrears: OVERAGE, BURSTING or POST_TERM."
    )
    coverage: Coverage = strawberry.field(description="The coverage whose subscription this line bills.")
    po_number: str | None = strawberry.field(description="That subscription's PO number at issue, if any.")

    @classmethod
    def from_model(cls, row: InvoiceLine, coverage: Coverage) -> InvoiceLineType:
        return cls(
            order_number=row.order_number, product=row.product, description=row.description,
            period_start=row.period_start, period_end=row.period_end, amount=money(row.amount, coverage.currency),
            tax_category=row.tax_category, kind=row.kind, coverage=coverage, po_number=row.po_number,
        )


@strawberry.type(
    name="InvoiceTax", description="Consumption tax of one rate on one invoice, computed once on that rate's subtotal."
)
class InvoiceTaxType:
    tax_category: TaxCategory = strawberry.field(description="The category.")
    rate: Decimal = strawberry.field(description="The rate, e.g. 0.10.")
    taxable_amount: MoneyType = strawberry.field(description="The subtotal of the lines at this rate.")
    tax_amount: MoneyType = strawberry.field(description="The tax at this rate, rounded once.")
    coverage: Coverage = strawberry.field(description="The coverage whose lines this tax is on.")

    @classmethod
    def from_model(cls, row: InvoiceTax, coverage: Coverage) -> InvoiceTaxType:
        currency = coverage.currency
        return cls(
            tax_category=row.category, rate=row.rate.normalize(), taxable_amount=money(row.taxable_amount, currency),
            tax_amount=money(row.tax_amount, currency), coverage=coverage,
        )


@strawberry.type(
    description="The lines of one coverage on an invoice, in that coverage's currency, with their own subtotal, "
    "tax per rate and total. An invoice of merged coverages has one group per coverage; amounts are never "
    "converted between currencies."
)
class InvoiceCoverageGroup:
    coverage: Coverage = strawberry.field(description="JP or GLOBAL.")
    currency: Currency = strawberry.field(description="The group's currency: JPY on JP, USD on GLOBAL.")
    subtotal: MoneyType = strawberry.field(description="Sum of the group's lines.")
    tax_total: MoneyType = strawberry.field(description="Sum of the group's per-rate taxes.")
    total: MoneyType = strawberry.field(description="Subtotal plus tax.")
    lines: list[InvoiceLineType] = strawberry.field(description="The group's lines, in order.")
    taxes: list[InvoiceTaxType] = strawberry.field(description="Tax per rate (JP); empty where untaxed.")

    @classmethod
    def from_domain(cls, group: InvoiceGroup) -> InvoiceCoverageGroup:
        return cls(
            coverage=group.coverage, currency=group.currency, subtotal=money(group.subtotal.amount, group.currency),
            tax_total=money(group.tax_total.amount, group.currency), total=money(group.total.amount, group.currency),
            lines=[InvoiceLineType.from_model(row, group.coverage) for row in group.lines],
            taxes=[InvoiceTaxType.from_model(row, group.coverage) for row in group.taxes],
        )


@strawberry.type(description="Who the invoice is addressed to, as it was when it was issued (never changes).")
class InvoiceBillTo:
    company_name: str = strawberry.field(description="The company invoiced (the recipient's name).")
    department: str | None = strawberry.field(default=None, description="The department, if any.")
    contact_name: str | None = strawberry.field(default=None, description="The person addressed.")
    billing_email: str | None = strawberry.field(default=None, description="Where the invoice was emailed.")
    cc_emails: list[str] = strawberry.field(default_factory=list, description="Addresses copied.")
    postal_code: str | None = strawberry.field(default=None, description="Postal code.")
    country: str | None = strawberry.field(default=None, description="ISO 3166 two-letter country code.")
    region: str | None = strawberry.field(default=None, description="Prefecture, state or region.")
    city: str | None = strawberry.field(default=None, description="City, ward or town.")
    address_lines: list[str] = strawberry.field(default_factory=list, description="Street address lines.")
    tax_registration_number: str | None = strawberry.field(default=None, description="The recipient's registration number.")

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> InvoiceBillTo:
        names = cls.__annotations__.keys()
        return cls(**{k: v for k, v in snapshot.items() if k in names and v is not None})


@strawberry.type(description="Who issued the invoice (a qualified invoice names the issuer's registration number).")
class Issuer:
    name: str = strawberry.field(description="The issuer's name.")
    registration_number: str | None = strawberry.field(description="The issuer's qualified-invoice registration number.")


@readable_by(INVOICE_READ_SCOPES)  # its bill-to is the snapshot printed on it, not the profile
@strawberry.type(
    name="Invoice",
    description="An issued invoice. Immutable except for its payment state. An invoice of merged coverages bills "
    "both coverages: read `groups` (one per coverage and currency) and `totals`.",
)
class InvoiceNode(relay.Node):
    id: relay.NodeID[str]
    number: str = strawberry.field(description="Unique, gapless per coverage and year, e.g. JP-2026-000001.")
    coverage: Coverage = strawberry.field(
        description="The coverage whose number sequence it is in; on an invoice of merged coverages, the coverage "
        "the shared invoice profile belongs to."
    )
    issue_date: date = strawberry.field(description="The day it was issued (the invoice date).")
    due_date: date = strawberry.field(description="When payment is due, by the payment terms.")
    paid_on: date | None = strawberry.field(description="When it was paid, if it was.")
    currency: Currency | None = strawberry.field(
        description="The currency when the invoice has one (JPY on JP, USD on GLOBAL); null on an invoice of "
        "merged coverages with two currencies."
    )
    payment_terms: PaymentTerms = strawberry.field(description="The terms it was issued under.")
    po_number: str | None = strawberry.field(
        description="The PO number at issue, if any (on an invoice of merged coverages: when all its "
        "subscriptions share it; each line names its own)."
    )
    subtotal: MoneyType | None = strawberry.field(description="Sum of the lines; null when there are two currencies.")
    tax_total: MoneyType | None = strawberry.field(
        description="Sum of the per-rate taxes; null when there are two currencies."
    )
    total: MoneyType | None = strawberry.field(
        description="Subtotal plus tax; null when there are two currencies (read `totals`)."
    )
    bill_to: InvoiceBillTo = strawberry.field(description="The bill-to snapshot taken at issue.")
    issuer: Issuer = strawberry.field(description="The issuer.")
    model: strawberry.Private[Invoice]
    shown_groups: strawberry.Private[list[InvoiceCoverageGroup] | None] = None
    """The groups as shown, built once per invoice (``lines``, ``taxes``, ``totals``… share them)."""

    @classmethod
    def from_model(cls, row: Invoice) -> InvoiceNode:
        currency = Currency(row.currency) if row.currency else None

        def amount(value: Decimal | None) -> MoneyType | None:
            return money(value, currency) if value is not None and currency is not None else None

        return cls(
            id=str(row.id), number=row.number, coverage=row.coverage, issue_date=row.issue_date,
            due_date=row.due_date, paid_on=row.paid_on, currency=currency, payment_terms=row.payment_terms,
            po_number=row.po_number, subtotal=amount(row.subtotal), tax_total=amount(row.tax_total),
            total=amount(row.total), bill_to=InvoiceBillTo.from_snapshot(row.bill_to),
            issuer=Issuer(name=row.issuer["name"], registration_number=row.issuer.get("registration_number")),
            model=row,
        )

    @strawberry.field(
        description="When it last changed: its issue, payment, void, or becoming past due (the time of its latest "
        "event in `invoiceEvents`). What `filter: {updatedSince}` compares."
    )
    def updated_at(self) -> datetime:
        return self.model.updated_at or self.model.created_at

    @strawberry.field(description="ISSUED, PAST_DUE (issued and past its due date today), PAID or VOID.")
    def status(self, info: Info) -> DisplayStatus:
        return display_status(self.model.status, self.model.due_date, info.context.clock.today())

    async def _groups(self, info: Info) -> list[InvoiceCoverageGroup]:
        lines = await info.context.loaders.invoice_lines.load(self.model.id)
        taxes = await info.context.loaders.invoice_taxes.load(self.model.id)
        if self.shown_groups is None:
            self.show(lines, taxes)
        return self.shown_groups  # type: ignore[return-value]

    def show(self, lines: list[InvoiceLine], taxes: list[InvoiceTax]) -> None:
        """Build the groups as shown from the invoice's lines and taxes."""
        self.shown_groups = [InvoiceCoverageGroup.from_domain(group) for group in invoice_groups(self.model, lines, taxes)]

    def _from_groups(self, info: Info, pick: Callable[[list[InvoiceCoverageGroup]], list[Any]]) -> Any:
        """``pick`` of the groups: at once when the page loaded them with its rows
        (``InvoiceQueries.invoices``), else after the loaders (an awaitable, which
        graphql-core awaits). A plain value spares graphql-core an async field."""
        if self.shown_groups is not None:
            return pick(self.shown_groups)

        async def later() -> list[Any]:
            return pick(await self._groups(info))

        return later()

    @strawberry.field(description="The lines and amounts of each coverage billed, the numbering coverage first.")
    def groups(self, info: Info) -> list[InvoiceCoverageGroup]:
        return self._from_groups(info, _all_groups)  # type: ignore[no-any-return]

    @strawberry.field(description="The total of each currency (one, or two on an invoice of merged coverages).")
    def totals(self, info: Info) -> list[MoneyType]:
        return self._from_groups(info, _totals)  # type: ignore[no-any-return]

    @strawberry.field(description="The coverages billed: one, or both on an invoice of merged coverages.")
    def coverages(self, info: Info) -> list[Coverage]:
        return self._from_groups(info, _coverages)  # type: ignore[no-any-return]

    @strawberry.field(description="All lines, in order (grouped by coverage).")
    def lines(self, info: Info) -> list[InvoiceLineType]:
        return self._from_groups(info, _lines)  # type: ignore[no-any-return]

    @strawberry.field(description="Tax per rate and coverage (JP); empty where untaxed.")
    def taxes(self, info: Info) -> list[InvoiceTaxType]:
        return self._from_groups(info, _taxes)  # type: ignore[no-any-return]

    @strawberry.field(description="How the issue email went; null when there was no billing address.")
    async def notification(self, info: Info) -> EmailNotification | None:
        row = await info.context.loaders.invoice_emails.load(self.model.id)
        return EmailNotification.from_model(row) if row else None

    @strawberry.field(
        description="The invoice's PDF (a qualified invoice on JP), rendered from the invoice as issued and kept "
        "unchanged; null until it is rendered (seconds after issue), and for an invoice issued before documents "
        "were kept."
    )
    async def document(self, info: Info) -> IssuedDocument | None:
        row = await info.context.loaders.invoice_documents.load(self.model.id)
        return IssuedDocument.from_model(row, info.context.document_links) if row else None

    @strawberry.field(description="The credit notes returning this invoice: one once it is voided, else none.")
    async def credit_notes(self, info: Info) -> list[CreditNoteType]:
        notes = await info.context.loaders.credit_notes.load(self.model.id)
        return [
            CreditNoteType(number=note.number, issue_date=note.issue_date, reason=note.reason, total=self.total,
                           invoice_id=note.invoice_id)
            for note in notes
        ]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[InvoiceNode | None]:
        """Only the caller's own invoices resolve (any for staff)."""
        caller = info.context.caller
        return await resolve_int_nodes(node_ids, lambda keys: invoices_by_id(caller, keys), cls.from_model)


def _all_groups(groups: list[InvoiceCoverageGroup]) -> list[InvoiceCoverageGroup]:
    return groups


def _totals(groups: list[InvoiceCoverageGroup]) -> list[MoneyType]:
    return [group.total for group in groups]


def _coverages(groups: list[InvoiceCoverageGroup]) -> list[Coverage]:
    return [group.coverage for group in groups]


def _lines(groups: list[InvoiceCoverageGroup]) -> list[InvoiceLineType]:
    return [line for group in groups for line in group.lines]


def _taxes(groups: list[InvoiceCoverageGroup]) -> list[InvoiceTaxType]:
    return [tax for group in groups for tax in group.taxes]
