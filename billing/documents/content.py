"""What an invoice document or credit note says, as frozen plain values.

The renderer reads only these values, never a model: a document is built once
from the invoice's rows and snapshots (``issuer``, ``bill_to``) as they were at
issue, so nothing read later (a profile edit, a new issuer name) can reach it.
Amounts are ``Decimal`` in whole minor units of their section's currency.

``AccountType``, ``BankAccount`` (operator settings, in ``billing.policy``) and
``DocumentKind`` (stored with the PDF, in ``models.invoice_documents``) are
re-exported here, where a document's reader looks for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from billing.invoicing.invoices import InvoiceGroup, invoice_groups
from billing.policy import AccountType, BankAccount
from kit.money import Currency, from_minor_units, to_minor_units
from models.coverage import Coverage
from models.invoice_documents import DocumentKind
from models.invoices import Invoice, InvoiceLine, InvoiceTax
from models.terms import PaymentTerms, TaxCategory

__all__ = [
    "AccountType",
    "BankAccount",
    "DocumentKind",
    "DocumentLine",
    "DocumentSection",
    "DocumentTax",
    "InvoiceDocument",
    "Issuer",
    "Language",
    "Recipient",
    "credit_note_document",
    "invoice_document",
    "language_of",
    "recipient_of",
]

Language = Literal["ja", "en"]
_TAX_ORDER = {category: position for position, category in enumerate(TaxCategory)}


@dataclass(frozen=True)
class Issuer:
    """Who issues the document; a qualified invoice names the registration number."""

    name: str
    registration_number: str | None


@dataclass(frozen=True)
class Recipient:
    """Whom the document is addressed to: the bill-to snapshot taken at issue."""

    company_name: str
    department: str | None = None
    contact_name: str | None = None
    postal_code: str | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    address_lines: tuple[str, ...] = ()
    tax_registration_number: str | None = None


@dataclass(frozen=True)
class DocumentLine:
    """One charge: an order's product for a service period."""

    order_number: str
    product: str
    description: str
    period_start: date
    period_end: date
    amount: Decimal
    tax_category: TaxCategory

    @property
    def reduced(self) -> bool:
        """Marked ※ on a qualified invoice (derived, so it cannot disagree with the category)."""
        return self.tax_category is TaxCategory.REDUCED


@dataclass(frozen=True)
class DocumentTax:
    """The taxable amount and the tax of one rate, computed once on the rate's subtotal."""

    category: TaxCategory
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal

    @property
    def reduced(self) -> bool:
        return self.category is TaxCategory.REDUCED


@dataclass(frozen=True)
class DocumentSection:
    """The lines of one coverage in its own currency; a merged invoice has two."""

    coverage: Coverage
    currency: Currency
    lines: tuple[DocumentLine, ...]
    taxes: tuple[DocumentTax, ...]
    subtotal: Decimal
    tax_total: Decimal
    po_numbers: tuple[str, ...] = ()
    """The distinct PO numbers of the section's lines (a merged invoice may have one per coverage)."""

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_total

    @property
    def has_reduced(self) -> bool:
        """Whether the ※ legend is needed for this section."""
        return any(line.reduced for line in self.lines)


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything printed on one invoice or credit note. A credit note has no due
    date, payment terms or bank account, and ``refers_to`` names the invoice it returns;
    its amounts are the invoice's, positive, printed as returned amounts."""

    kind: DocumentKind
    language: Language
    number: str
    issue_date: date
    issuer: Issuer
    recipient: Recipient
    sections: tuple[DocumentSection, ...]
    due_date: date | None = None
    refers_to: str | None = None
    po_number: str | None = None
    payment_terms: PaymentTerms | None = None
    bank: BankAccount | None = None


def language_of(value: str) -> Language:
    """``value`` as a document language; anything but ja/en is a programming error upstream."""
    if value == "ja":
        return "ja"
    if value == "en":
        return "en"
    raise ValueError(f"a document is in 'ja' or 'en', not {value!r}")


def invoice_document(
    invoice: Invoice, lines: Sequence[InvoiceLine], taxes: Sequence[InvoiceTax], *,
    language: str | None = None, bank: BankAccount | None,
) -> InvoiceDocument:
    """The document of an issued invoice, from its rows and snapshots only.
    ``language`` defaults to the invoice's own (the profile's at issue)."""
    return InvoiceDocument(
        kind=DocumentKind.INVOICE, language=language_of(language or invoice.language), number=invoice.number,
        issue_date=invoice.issue_date, issuer=_issuer(invoice.issuer), recipient=recipient_of(invoice.bill_to),
        sections=_sections(invoice, lines, taxes), due_date=invoice.due_date, po_number=invoice.po_number,
        payment_terms=invoice.payment_terms, bank=bank,
    )


def credit_note_document(
    invoice: Invoice, lines: Sequence[InvoiceLine], taxes: Sequence[InvoiceTax], *,
    number: str, issue_date: date, language: str | None = None,
) -> InvoiceDocument:
    """The credit note that returns the whole of ``invoice``: the same lines, taxes per
    rate and totals, under the credit note's own ``number`` and ``issue_date``."""
    if issue_date < invoice.issue_date:
        raise ValueError("a credit note cannot precede the invoice it returns")
    return InvoiceDocument(
        kind=DocumentKind.CREDIT_NOTE, language=language_of(language or invoice.language), number=number,
        issue_date=issue_date, issuer=_issuer(invoice.issuer), recipient=recipient_of(invoice.bill_to),
        sections=_sections(invoice, lines, taxes), refers_to=invoice.number, po_number=invoice.po_number,
    )


def recipient_of(bill_to: dict[str, Any]) -> Recipient:
    """The recipient from a bill-to snapshot (keys as in ``billing.payment_settings.bill_to``)."""
    def text(key: str) -> str | None:
        value = bill_to.get(key)
        return str(value) if value else None

    return Recipient(
        company_name=str(bill_to["company_name"]), department=text("department"), contact_name=text("contact_name"),
        postal_code=text("postal_code"), country=text("country"), region=text("region"), city=text("city"),
        address_lines=tuple(str(line) for line in bill_to.get("address_lines") or ()),
        tax_registration_number=text("tax_registration_number"),
    )


def _issuer(snapshot: dict[str, str | None]) -> Issuer:
    name = snapshot.get("name")
    if not name:
        raise ValueError("the invoice's issuer snapshot has no name")
    return Issuer(name=name, registration_number=snapshot.get("registration_number") or None)


def _sections(invoice: Invoice, lines: Sequence[InvoiceLine], taxes: Sequence[InvoiceTax]) -> tuple[DocumentSection, ...]:
    """One per coverage billed; an invoice without lines (none is issued so, but the
    rows allow it) still gets its own coverage's, empty, so it renders."""
    ordered = sorted(lines, key=lambda row: row.position)
    sections = tuple(_section(group) for group in invoice_groups(invoice, ordered, taxes))
    if sections:
        return sections
    currency = invoice.coverage.currency
    zero = from_minor_units(0, currency)
    return (DocumentSection(coverage=invoice.coverage, currency=currency, lines=(), taxes=(), subtotal=zero,
                            tax_total=zero),)


def _section(group: InvoiceGroup) -> DocumentSection:
    currency = group.currency
    taxes = sorted(group.taxes, key=lambda row: _TAX_ORDER[row.category])
    po_numbers = dict.fromkeys(row.po_number for row in group.lines if row.po_number)
    return DocumentSection(
        coverage=group.coverage, currency=currency,
        lines=tuple(_line(row, currency) for row in group.lines),
        taxes=tuple(
            DocumentTax(row.category, row.rate.normalize(), _exact(row.taxable_amount, currency),
                        _exact(row.tax_amount, currency))
            for row in taxes
        ),
        subtotal=_exact(group.subtotal.amount, currency), tax_total=_exact(group.tax_total.amount, currency),
        po_numbers=tuple(po_numbers),
    )


def _line(row: InvoiceLine, currency: Currency) -> DocumentLine:
    return DocumentLine(
        order_number=row.order_number, product=row.product, description=row.description,
        period_start=row.period_start, period_end=row.period_end, amount=_exact(row.amount, currency),
        tax_category=row.tax_category,
    )


def _exact(amount: Decimal, currency: Currency) -> Decimal:
    """``amount`` with exactly the currency's decimals (stored rows carry two for JPY too);
    an amount finer than the minor unit is refused rather than rounded away."""
    return from_minor_units(to_minor_units(amount, currency), currency)
