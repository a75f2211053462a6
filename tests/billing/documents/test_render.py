"""The PDF of a document: every item a qualified invoice (or credit note) must show is in its
text, long invoices flow onto further pages, and the same document always gives the same bytes.

Text is read back with pypdf: ReportLab writes CID-font text as UTF-16 with the
UniJIS-UCS2-H encoding, which pypdf decodes, kana and kanji included."""

from __future__ import annotations

import hashlib
import io
import pickle
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from billing.documents.content import (
    AccountType,
    BankAccount,
    DocumentKind,
    DocumentLine,
    DocumentSection,
    DocumentTax,
    InvoiceDocument,
    Issuer,
    Recipient,
)
from billing.documents.locale import format_money
from billing.documents.render import render_pdf
from billing.rules.tax import compute_taxes, total_tax
from kit.money import Currency, from_minor_units
from models.coverage import Coverage
from models.terms import PaymentTerms, TaxCategory

STANDARD, REDUCED, EXEMPT = TaxCategory.STANDARD, TaxCategory.REDUCED, TaxCategory.EXEMPT
ROOT = Path(__file__).resolve().parents[3]
ISSUER = Issuer("ビリングポータル株式会社", "T7000012050002")
RECIPIENT = Recipient(
    company_name="株式会社サンプル", department="経理部", contact_name="山田 太郎", postal_code="107-0052",
    country="JP", region="東京都", city="港区", address_lines=("赤坂1-2-3",), tax_registration_number=None,
)
BANK = BankAccount("みずほ銀行", "渋谷支店", AccountType.ORDINARY, "1234567", "ビリングポータル(カ")


def line(order: str, amount: str, category: TaxCategory = STANDARD, product: str = "IoT SIM 基本料金") -> DocumentLine:
    return DocumentLine(order, product, "plan-D 月額", date(2026, 1, 6), date(2026, 2, 5), Decimal(amount), category)


def section(coverage: Coverage, lines: list[DocumentLine], po_numbers: tuple[str, ...] = ()) -> DocumentSection:
    """A section whose taxes and totals follow the tax rules (JP taxed once per rate, GLOBAL untaxed)."""
    currency = coverage.currency
    breakdowns = compute_taxes([(row.amount, row.tax_category) for row in lines], currency,
                               taxed=coverage is Coverage.JP)
    taxes = tuple(DocumentTax(b.category, b.rate, b.taxable_amount, b.tax_amount) for b in breakdowns)
    subtotal = sum((row.amount for row in lines), from_minor_units(0, currency))
    return DocumentSection(coverage, currency, tuple(lines), taxes, subtotal, total_tax(breakdowns, currency),
                           po_numbers)


ACCEPTANCE = [line("ORD-0001", "1005"), line("ORD-0002", "1005"), line("ORD-0003", "1005"),
              line("ORD-0004", "2000", REDUCED, product="飲料水 (軽減税率)")]


def invoice(sections: list[DocumentSection] | None = None, **changes: Any) -> InvoiceDocument:
    document = InvoiceDocument(
        kind=DocumentKind.INVOICE, language="ja", number="JP-2026-000007", issue_date=date(2026, 1, 20),
        issuer=ISSUER, recipient=RECIPIENT, sections=tuple(sections or [section(Coverage.JP, ACCEPTANCE)]),
        due_date=date(2026, 2, 28), po_number="PO-4711", payment_terms=PaymentTerms.EOM_FOLLOWING, bank=BANK,
    )
    return replace(document, **changes)


def credit_note(**changes: Any) -> InvoiceDocument:
    return invoice(kind=DocumentKind.CREDIT_NOTE, number="JP-CN-2026-000001", issue_date=date(2026, 2, 3),
                   refers_to="JP-2026-000007", due_date=None, payment_terms=None, bank=None, **changes)


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def assert_in_order(text: str, *items: str) -> None:
    """Each item appears, after the previous one (a label before its value, rows in order)."""
    position = 0
    for item in items:
        found = text.find(item, position)
        assert found >= 0, f"{item!r} not found after {text[max(0, position - 40):position]!r}"
        position = found + len(item)


@pytest.fixture(scope="module")
def jp_text() -> str:
    return "\n".join(pages_text(render_pdf(invoice())))


def test_a_jp_invoice_shows_title_number_dates_parties_and_registration_number(jp_text):
    assert_in_order(jp_text, "請求書", "株式会社サンプル 御中", "経理部", "ご担当: 山田 太郎 様", "〒107-0052", "東京都 港区",
                    "赤坂1-2-3", "請求書番号", "JP-2026-000007", "発行日", "2026年1月20日", "お支払期限",
                    "2026年2月28日", "お支払条件", "月末締め翌月末払い", "注文書番号 (PO)", "PO-4711",
                    "発行者: ビリングポータル株式会社", "登録番号: T7000012050002")


def test_a_jp_invoice_shows_each_line_with_order_product_period_and_amount(jp_text):
    for order in ("ORD-0001", "ORD-0002", "ORD-0003"):
        assert_in_order(jp_text, order, "IoT SIM 基本料金", "plan-D 月額", "2026年1月6日", "2026年2月5日", "1,005円")
    assert_in_order(jp_text, "ORD-0004", "飲料水 (軽減税率)", "2026年1月6日", "2026年2月5日", "2,000円 ※",
                    "※は軽減税率対象")
    assert jp_text.count("※") == 3  # the reduced line, the legend and the 8% row; no standard line is marked


def test_a_jp_invoice_shows_taxable_amount_and_tax_per_rate_then_totals(jp_text):
    assert_in_order(jp_text, "10%対象", "3,015円", "消費税", "301円", "8%対象 ※", "2,000円", "消費税", "160円",
                    "小計", "5,015円", "消費税合計", "461円", "合計", "5,476円")
    assert_in_order(jp_text, "ご請求金額 (税込)", "5,476円", "日本カバレッジ (JPY)")


def test_a_jp_invoice_shows_the_bank_transfer_details(jp_text):
    assert_in_order(jp_text, "お振込先", "銀行名", "みずほ銀行", "支店名", "渋谷支店", "口座種別", "普通", "口座番号",
                    "1234567", "口座名義", "ビリングポータル(カ")


def test_a_credit_note_shows_its_number_the_invoice_and_the_returned_amounts():
    text = "\n".join(pages_text(render_pdf(credit_note())))
    assert_in_order(text, "適格返還請求書", "株式会社サンプル 御中", "返還請求書番号", "JP-CN-2026-000001", "発行日",
                    "2026年2月3日", "対象請求書番号", "JP-2026-000007", "登録番号: T7000012050002",
                    "返還金額 (税込)", "5,476円", "返還額", "ORD-0004", "2,000円 ※", "※は軽減税率対象",
                    "10%対象", "3,015円", "返還消費税", "301円", "8%対象 ※", "2,000円", "返還消費税", "160円",
                    "返還合計", "5,476円", "ご返金", "相殺")
    for absent in ("お支払期限", "お振込先", "ご請求金額"):
        assert absent not in text


def test_an_english_invoice_uses_the_en_wording_and_formats():
    sections = [section(Coverage.JP, ACCEPTANCE)]
    text = "\n".join(pages_text(render_pdf(invoice(sections, language="en"))))
    assert_in_order(text, "Invoice", "株式会社サンプル", "Attention: 山田 太郎", "Invoice number", "JP-2026-000007",
                    "Issue date", "20 January 2026", "Due date", "28 February 2026", "Payment terms",
                    "End of the following month", "PO number", "PO-4711",
                    "Issued by: ビリングポータル株式会社", "Registration number: T7000012050002",
                    "Amount due (tax included)", "¥5,476", "Japan coverage (JPY)", "ORD-0004", "¥2,000 ※",
                    "※ reduced tax rate (8%)", "Taxable at 10%", "¥3,015", "Tax", "¥301", "Taxable at 8% ※", "¥160",
                    "Subtotal", "¥5,015", "Tax total", "¥461", "Total", "¥5,476", "Bank transfer details",
                    "Account type", "Ordinary", "Account holder", "ビリングポータル(カ")
    assert "御中" not in text and "円" not in text


def test_a_merged_invoice_shows_one_section_per_coverage_in_its_currency():
    jp = section(Coverage.JP, ACCEPTANCE, po_numbers=("PO-JP",))
    global_ = section(Coverage.GLOBAL, [line("ORD-G-1", "2000.00", EXEMPT, "Global SIM"),
                                        line("ORD-G-2", "24.50", EXEMPT, "Data")], po_numbers=("PO-GL",))
    text = "\n".join(pages_text(render_pdf(invoice([jp, global_], po_number=None))))
    assert_in_order(text, "ご請求金額 (税込)", "5,476円", "ご請求金額 (税込)", "$2,024.50",
                    "日本カバレッジ (JPY)", "注文書番号 (PO): PO-JP", "ORD-0001", "1,005円", "合計", "5,476円",
                    "グローバルカバレッジ (USD)", "注文書番号 (PO): PO-GL", "ORD-G-1", "$2,000.00", "ORD-G-2", "$24.50",
                    "小計", "$2,024.50", "消費税合計", "$0.00", "合計", "$2,024.50", "お振込先")


def test_a_long_invoice_flows_onto_further_pages_with_the_header_repeated():
    lines = [line(f"ORD-{number:05d}", "1000", REDUCED if number % 10 == 0 else STANDARD) for number in range(120)]
    pages = pages_text(render_pdf(invoice([section(Coverage.JP, lines)])))
    assert len(pages) >= 4
    assert all("注文番号" in page and "金額" in page for page in pages[:-1])  # the table header on every page
    for number, page in enumerate(pages, start=1):
        assert f"JP-2026-000007    {number} / {len(pages)} ページ" in page
    text = "\n".join(pages)
    assert_in_order(text, *[f"ORD-{number:05d}" for number in range(120)])
    assert_in_order(text, "ORD-00119", "10%対象", "108,000円", "消費税", "10,800円", "8%対象 ※", "12,000円", "消費税",
                    "960円", "小計", "120,000円", "消費税合計", "11,760円", "合計", "131,760円", "お振込先")


def test_text_from_the_customer_is_printed_as_is_not_read_as_markup():
    recipient = replace(RECIPIENT, company_name="A&B <Holdings> 株式会社")
    lines = [line("ORD-1", "100", product="<b>bold</b> & co")]
    text = pages_text(render_pdf(invoice([section(Coverage.JP, lines)], recipient=recipient)))[0]
    assert "A&B <Holdings> 株式会社 御中" in text and "<b>bold</b> & co" in text


def test_the_same_document_gives_the_same_bytes(monkeypatch):
    first = render_pdf(invoice())
    assert render_pdf(invoice()) == first
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # a build environment's clock must not leak in
    assert render_pdf(invoice()) == first
    assert render_pdf(invoice(number="JP-2026-000008")) != first


def test_the_same_document_gives_the_same_bytes_in_another_process():
    document = credit_note()
    script = ("import pickle, sys; from billing.documents.render import render_pdf; "
              "sys.stdout.buffer.write(render_pdf(pickle.loads(sys.stdin.buffer.read())))")
    done = subprocess.run([sys.executable, "-c", script], input=pickle.dumps(document), capture_output=True,
                          cwd=ROOT, env={"PATH": "", "PYTHONHASHSEED": "4242", "PYTHONPATH": str(ROOT)},
                          check=True, timeout=60)
    assert hashlib.sha256(done.stdout).hexdigest() == hashlib.sha256(render_pdf(document)).hexdigest()


def test_the_pdf_says_when_and_what_it_is():
    reader = PdfReader(io.BytesIO(render_pdf(invoice())))
    info = reader.metadata
    assert info is not None and info.creation_date is not None
    assert info.creation_date.date() == date(2026, 1, 20)
    assert (info.title, info.author) == ("請求書 JP-2026-000007", "ビリングポータル株式会社")
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def ink(data: bytes, box: tuple[int, int, int, int]) -> int:
    """Dark pixels of page 1 in ``box`` (left, top, right, bottom, in points from the top left)."""
    page = pdfium.PdfDocument(data)[0]
    image = page.render(scale=1).to_pil().convert("L").crop(box)
    return sum(image.histogram()[:128])


TITLE_BOX, BLANK_BOX = (200, 30, 395, 80), (20, 30, 170, 80)  # the centred title; the empty space left of it


def test_the_title_area_has_ink_and_the_space_beside_it_none():
    data = render_pdf(invoice(language="en"))
    assert ink(data, TITLE_BOX) > 200
    assert ink(data, BLANK_BOX) == 0


def test_all_text_is_set_in_one_embedded_japanese_font():
    """Embedded (a subset of the glyphs used), so any viewer draws it, with or without
    Japanese fonts of its own; no Latin-only font, even for Latin text."""
    fonts = PdfReader(io.BytesIO(render_pdf(invoice()))).pages[0]["/Resources"]["/Font"]
    used = [font.get_object() for font in fonts.values()]
    assert {str(font["/BaseFont"]).split("+", 1)[-1] for font in used} == {"IPAexGothic"}
    for font in used:
        assert "/FontFile2" in font["/FontDescriptor"], "the TrueType glyphs are in the file"


def test_the_japanese_title_is_drawn_not_left_blank():
    """pdfium here has no Japanese system font: only the embedded glyphs can draw it."""
    data = render_pdf(invoice())
    assert ink(data, TITLE_BOX) > 200
    assert ink(data, BLANK_BOX) == 0


ORDER_NUMBERS = st.from_regex(r"[A-Z]{2,4}-[0-9]{3,7}", fullmatch=True)
PRODUCTS = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=30)


@settings(max_examples=15, deadline=None)
@given(
    rows=st.lists(st.tuples(ORDER_NUMBERS, st.integers(0, 10**8), st.sampled_from(TaxCategory), PRODUCTS),
                  min_size=1, max_size=40, unique_by=lambda row: row[0]),
    language=st.sampled_from(["ja", "en"]),
)
def test_any_invoice_renders_every_order_and_the_total(rows, language):
    lines = [line(order, str(amount), category, product) for order, amount, category, product in rows]
    document = invoice([section(Coverage.JP, lines)], language=language)
    text = "\n".join(pages_text(render_pdf(document)))
    for order, *_ in rows:
        assert order in text
    total = format_money(document.sections[0].total, Currency.JPY, language)
    assert_in_order(text, rows[-1][0], "合計" if language == "ja" else "Total", total)
