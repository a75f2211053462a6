"""A document is built from an invoice's rows and snapshots alone (unsaved models, no database)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from billing.documents.content import (
    AccountType,
    BankAccount,
    DocumentKind,
    DocumentLine,
    DocumentTax,
    Issuer,
    Recipient,
    credit_note_document,
    invoice_document,
    language_of,
)
from kit.money import Currency
from models.coverage import Coverage
from models.invoices import Invoice, InvoiceLine, InvoiceTax
from models.terms import PaymentTerms, TaxCategory

STANDARD, REDUCED, EXEMPT = TaxCategory.STANDARD, TaxCategory.REDUCED, TaxCategory.EXEMPT
BANK = BankAccount("みずほ銀行", "渋谷支店", AccountType.ORDINARY, "1234567", "ﾋﾞﾘﾝｸﾞﾎﾟｰﾀﾙ(ｶ")
BILL_TO = {
    "company_name": "株式会社サンプル", "department": "経理部", "contact_name": "山田 太郎",
    "billing_email": "ap@example.jp", "cc_emails": [], "phone": "03-1234-5678", "postal_code": "107-0052",
    "country": "JP", "region": "東京都", "city": "港区", "address_lines": ["赤坂1-2-3", "サンプルビル5F"],
    "tax_registration_number": None, "delivery_method": "EMAIL", "language": "ja",
}


def make_invoice(**changes: Any) -> Invoice:
    values: dict[str, Any] = dict(
        coverage=Coverage.JP, number="JP-2026-000007", year=2026, sequence=7, issue_date=date(2026, 1, 20),
        due_date=date(2026, 2, 28), currency="JPY", payment_terms=PaymentTerms.EOM_FOLLOWING, po_number="PO-4711",
        subtotal=Decimal("5015.00"), tax_total=Decimal("461.00"), total=Decimal("5476.00"), bill_to=BILL_TO,
        issuer={"name": "ビリングポータル株式会社", "registration_number": "T7000012050002"}, language="ja",
    )
    values.update(changes)
    return Invoice(**values)


def make_line(position: int, amount: str, category: TaxCategory = STANDARD, **changes: Any) -> InvoiceLine:
    values: dict[str, Any] = dict(
        position=position, order_number=f"ORD-{position:04d}", product=f"Product {position}",
        description="Monthly fee", period_start=date(2026, 1, 6), period_end=date(2026, 2, 5),
        amount=Decimal(amount), tax_category=category,
    )
    values.update(changes)
    return InvoiceLine(**values)


def make_tax(category: TaxCategory, rate: str, taxable: str, tax: str, **changes: Any) -> InvoiceTax:
    return InvoiceTax(category=category, rate=Decimal(rate), taxable_amount=Decimal(taxable),
                      tax_amount=Decimal(tax), **changes)


def acceptance_rows() -> tuple[list[InvoiceLine], list[InvoiceTax]]:
    """Domain acceptance example 2: three 1,005 JPY standard lines and one 2,000 JPY reduced line.
    Stored rows carry two decimals and come in any order; the reduced tax row comes first."""
    lines = [make_line(4, "2000.00", REDUCED), make_line(1, "1005.00"), make_line(3, "1005.00"),
             make_line(2, "1005.00")]
    taxes = [make_tax(REDUCED, "0.0800", "2000.00", "160.00"), make_tax(STANDARD, "0.1000", "3015.00", "301.00")]
    return lines, taxes


def test_an_invoice_document_holds_the_invoice_snapshot_and_terms():
    lines, taxes = acceptance_rows()
    document = invoice_document(make_invoice(), lines, taxes, bank=BANK)
    assert document.kind is DocumentKind.INVOICE
    assert (document.number, document.language) == ("JP-2026-000007", "ja")
    assert (document.issue_date, document.due_date) == (date(2026, 1, 20), date(2026, 2, 28))
    assert document.payment_terms is PaymentTerms.EOM_FOLLOWING
    assert document.po_number == "PO-4711" and document.refers_to is None
    assert document.issuer == Issuer("ビリングポータル株式会社", "T7000012050002")
    assert document.bank == BANK
    assert document.recipient == Recipient(
        company_name="株式会社サンプル", department="経理部", contact_name="山田 太郎", postal_code="107-0052",
        country="JP", region="東京都", city="港区", address_lines=("赤坂1-2-3", "サンプルビル5F"),
        tax_registration_number=None,
    )


def test_lines_follow_their_position_and_amounts_have_the_currency_decimals():
    lines, taxes = acceptance_rows()
    (section,) = invoice_document(make_invoice(), lines, taxes, bank=BANK).sections
    assert [line.order_number for line in section.lines] == ["ORD-0001", "ORD-0002", "ORD-0003", "ORD-0004"]
    assert [str(line.amount) for line in section.lines] == ["1005", "1005", "1005", "2000"]
    assert [line.reduced for line in section.lines] == [False, False, False, True]
    assert section.lines[0] == DocumentLine("ORD-0001", "Product 1", "Monthly fee", date(2026, 1, 6),
                                            date(2026, 2, 5), Decimal("1005"), STANDARD)


def test_taxes_per_rate_standard_first_and_section_totals():
    lines, taxes = acceptance_rows()
    (section,) = invoice_document(make_invoice(), lines, taxes, bank=BANK).sections
    assert (section.coverage, section.currency) == (Coverage.JP, Currency.JPY)
    assert section.taxes == (
        DocumentTax(STANDARD, Decimal("0.1"), Decimal("3015"), Decimal("301")),
        DocumentTax(REDUCED, Decimal("0.08"), Decimal("2000"), Decimal("160")),
    )
    assert [tax.reduced for tax in section.taxes] == [False, True]
    assert (section.subtotal, section.tax_total, section.total) == (Decimal("5015"), Decimal("461"), Decimal("5476"))
    assert section.has_reduced and section.po_numbers == ()


def test_a_merged_invoice_has_one_section_per_coverage_in_its_own_currency():
    invoice = make_invoice(currency=None, subtotal=None, tax_total=None, total=None, po_number=None)
    lines = [
        make_line(1, "1005.00", coverage=Coverage.JP, po_number="PO-JP"),
        make_line(2, "2000.00", coverage=Coverage.GLOBAL, po_number="PO-GL", tax_category=EXEMPT),
        make_line(3, "24.50", coverage=Coverage.GLOBAL, tax_category=EXEMPT),
    ]
    taxes = [make_tax(STANDARD, "0.1000", "1005.00", "100.00", coverage=Coverage.JP)]
    jp, global_ = invoice_document(invoice, lines, taxes, bank=BANK).sections
    assert (jp.coverage, jp.currency, jp.total, jp.po_numbers) == (Coverage.JP, Currency.JPY, Decimal("1105"), ("PO-JP",))
    assert (global_.coverage, global_.currency) == (Coverage.GLOBAL, Currency.USD)
    assert [str(line.amount) for line in global_.lines] == ["2000.00", "24.50"]
    assert (str(global_.subtotal), str(global_.tax_total), global_.taxes) == ("2024.50", "0.00", ())
    assert global_.po_numbers == ("PO-GL",)


def test_a_global_invoice_numbered_in_global_keeps_cents():
    invoice = make_invoice(coverage=Coverage.GLOBAL, number="GLOBAL-2026-000001", currency="USD", language="en")
    (section,) = invoice_document(invoice, [make_line(1, "1234.50", EXEMPT)], [], bank=None).sections
    assert (section.currency, str(section.total)) == (Currency.USD, "1234.50")


def test_an_amount_finer_than_the_minor_unit_is_refused_not_rounded():
    with pytest.raises(ValueError, match="minor units"):
        invoice_document(make_invoice(), [make_line(1, "1005.50")], [], bank=BANK)


def test_the_language_is_the_invoices_unless_given():
    lines, taxes = acceptance_rows()
    assert invoice_document(make_invoice(language="en"), lines, taxes, bank=BANK).language == "en"
    assert invoice_document(make_invoice(), lines, taxes, language="en", bank=BANK).language == "en"
    with pytest.raises(ValueError, match="'ja' or 'en'"):
        invoice_document(make_invoice(language="fr"), lines, taxes, bank=BANK)
    assert language_of("ja") == "ja"


def test_the_recipient_keeps_the_snapshot_not_the_profile():
    lines, taxes = acceptance_rows()
    snapshot = dict(BILL_TO, tax_registration_number="T7000012050002", department="")
    recipient = invoice_document(make_invoice(bill_to=snapshot), lines, taxes, bank=BANK).recipient
    assert recipient.tax_registration_number == "T7000012050002"
    assert recipient.department is None


def test_an_issuer_snapshot_without_a_name_is_refused():
    lines, taxes = acceptance_rows()
    with pytest.raises(ValueError, match="issuer"):
        invoice_document(make_invoice(issuer={"name": None}), lines, taxes, bank=BANK)


def test_a_credit_note_returns_the_whole_invoice_under_its_own_number():
    lines, taxes = acceptance_rows()
    invoice = make_invoice()
    note = credit_note_document(invoice, lines, taxes, number="JP-CN-2026-000001", issue_date=date(2026, 2, 3))
    assert note.kind is DocumentKind.CREDIT_NOTE
    assert (note.number, note.issue_date, note.refers_to) == ("JP-CN-2026-000001", date(2026, 2, 3), "JP-2026-000007")
    assert (note.due_date, note.payment_terms, note.bank) == (None, None, None)
    assert note.sections == invoice_document(invoice, lines, taxes, bank=BANK).sections
    assert note.sections[0].total == Decimal("5476")


def test_a_credit_note_cannot_precede_its_invoice():
    lines, taxes = acceptance_rows()
    with pytest.raises(ValueError, match="precede"):
        credit_note_document(make_invoice(), lines, taxes, number="JP-CN-1", issue_date=date(2026, 1, 19))


def test_documents_are_frozen_values():
    lines, taxes = acceptance_rows()
    document = invoice_document(make_invoice(), lines, taxes, bank=BANK)
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.number = "JP-2026-999999"
    assert document == invoice_document(make_invoice(), lines, taxes, bank=BANK)
