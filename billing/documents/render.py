"""An ``InvoiceDocument`` as PDF bytes (A4), with an embedded Japanese font.

Why these choices:
- All text, in both languages (a name in kana or kanji prints in an English document
  too), is set in IPAexGothic (``fonts/``, IPA Font License v1.0, shipped with its licence
  and readme), embedded as a subset of the glyphs used: every viewer draws the document
  the same, with or without Japanese fonts of its own, as a document kept for years must.
  ReportLab's built-in Japanese fonts need no file but are only referenced: a viewer
  without a Japanese font draws the Japanese text blank (pdfium on a machine without one does).
- Platypus tables with repeated headers let a long invoice flow onto further pages.
- The bytes depend on the document only: ``invariant`` mode, the creation date pinned to
  the issue date and the file identifier derived from the document's kind and number,
  so even a build environment's ``SOURCE_DATE_EPOCH`` cannot change them.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from billing.documents.content import DocumentKind, DocumentSection, InvoiceDocument, Language
from billing.documents.locale import (
    REDUCED_MARK,
    account_type_text,
    coverage_text,
    format_date,
    format_money,
    label,
    payment_terms_text,
    recipient_name,
    tax_rate_label,
)

__all__ = ["render_pdf"]

FONT_FILE = Path(__file__).parent / "fonts" / "ipaexg.ttf"
GOTHIC = MINCHO = "IPAexGothic"
"""Headings and body: one face (IPAex Gothic has one weight), sizes tell them apart."""
MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN
LINE_COLUMNS = (30 * mm, 72 * mm, 44 * mm, 34 * mm)
GRID = colors.Color(0.55, 0.55, 0.55)
SHADE = colors.Color(0.92, 0.92, 0.92)


@cache
def _register_fonts() -> None:
    """Once per process: ReportLab keeps registered fonts in a global table."""
    pdfmetrics.registerFont(TTFont(GOTHIC, str(FONT_FILE)))


def render_pdf(document: InvoiceDocument) -> bytes:
    """The PDF of ``document``: the same document always gives the same bytes."""
    _register_fonts()
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=18 * mm,
        invariant=1, initialFontName=MINCHO, initialFontSize=9,
        title=f"{_title(document)} {document.number}", author=document.issuer.name,
        subject=document.number, creator="billing-portal", producer="billing-portal", lang=document.language,
    )
    template.build(_story(document, _Styles(document.language)), canvasmaker=_canvas_class(document))
    return buffer.getvalue()


class _Styles:
    """Paragraph styles of one language: Japanese text may break between any two characters."""

    def __init__(self, language: Language) -> None:
        self.language = language
        wrap = "CJK" if language == "ja" else None
        self.body = ParagraphStyle("body", fontName=MINCHO, fontSize=9, leading=12.5, wordWrap=wrap)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=10, textColor=colors.dimgrey)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=8.5, leading=11)
        self.strong = ParagraphStyle("strong", parent=self.body, fontName=GOTHIC, fontSize=10, leading=14)
        self.strong_right = ParagraphStyle("strong_right", parent=self.strong, alignment=TA_RIGHT)
        self.big = ParagraphStyle("big", parent=self.strong, fontSize=13, leading=18)
        self.heading = ParagraphStyle("heading", parent=self.strong, fontSize=11, leading=15, spaceBefore=4)
        self.title = ParagraphStyle("title", parent=self.strong, fontSize=22, leading=28, alignment=TA_CENTER)

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain ``text``: escaped, since names may hold ``&`` or ``<``."""
        return Paragraph(escape(text).replace("\n", "<br/>"), style or self.body)


def _title(document: InvoiceDocument) -> str:
    key = "title_invoice" if document.kind is DocumentKind.INVOICE else "title_credit_note"
    return label(key, document.language)


def _story(document: InvoiceDocument, s: _Styles) -> list[Flowable]:
    story: list[Flowable] = [s.p(_title(document), s.title), Spacer(1, 6 * mm), _header(document, s)]
    story += [Spacer(1, 5 * mm), _amount_box(document, s), Spacer(1, 4 * mm)]
    for section in document.sections:
        story += _section(document, section, s)
    story.append(Spacer(1, 4 * mm))
    story.append(_payment(document, s) if document.kind is DocumentKind.INVOICE else _credit_note_note(s))
    return story


def _header(document: InvoiceDocument, s: _Styles) -> Table:
    """Recipient on the left; numbers, dates, terms and the issuer on the right."""
    return _table([[_recipient(document, s), _facts(document, s)]], (WIDTH * 0.52, WIDTH * 0.48),
                  [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)])


def _recipient(document: InvoiceDocument, s: _Styles) -> list[Flowable]:
    who, ja = document.recipient, document.language == "ja"
    block: list[Flowable] = [s.p(recipient_name(who.company_name, document.language), s.big)]
    if who.department:
        block.append(s.p(who.department))
    if who.contact_name:
        suffix = f" {label('contact_suffix', 'ja')}" if ja else ""
        block.append(s.p(f"{label('attention', document.language)}: {who.contact_name}{suffix}"))
    place = " ".join(part for part in (who.region, who.city) if part)
    postal = f"〒{who.postal_code}" if ja and who.postal_code else who.postal_code
    address = [postal, place, *who.address_lines] if ja else [*who.address_lines, place, postal, who.country]
    block += [s.p(part, s.small) for part in address if part]
    if who.tax_registration_number:
        block.append(s.p(f"{label('registration_number', document.language)}: {who.tax_registration_number}", s.small))
    return block


def _facts(document: InvoiceDocument, s: _Styles) -> list[Flowable]:
    language = document.language
    rows: list[tuple[str, str | None]]
    if document.kind is DocumentKind.INVOICE:
        rows = [("invoice_number", document.number), ("issue_date", format_date(document.issue_date, language))]
        rows.append(("due_date", format_date(document.due_date, language) if document.due_date else None))
        terms = document.payment_terms
        rows.append(("payment_terms", payment_terms_text(terms, language) if terms else None))
    else:
        rows = [("credit_note_number", document.number), ("issue_date", format_date(document.issue_date, language)),
                ("refers_to", document.refers_to)]
    rows.append(("po_number", document.po_number))
    facts = _table([[s.p(label(key, language), s.small), s.p(value, s.cell)] for key, value in rows if value],
                   (WIDTH * 0.18, WIDTH * 0.30), [("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID)])
    issuer = [s.p(f"{label('issuer', language)}: {document.issuer.name}", s.strong)]
    if document.issuer.registration_number:
        number = document.issuer.registration_number
        issuer.append(s.p(f"{label('registration_number', language)}: {number}", s.cell))
    return [facts, Spacer(1, 3 * mm), *issuer]


def _amount_box(document: InvoiceDocument, s: _Styles) -> Table:
    """The amount the reader acts on, first: one line per currency."""
    credit = document.kind is DocumentKind.CREDIT_NOTE
    key = "amount_returned" if credit else "amount_due"
    rows = [[s.p(label(key, document.language), s.strong),
             s.p(format_money(section.total, section.currency, document.language), s.big)]
            for section in document.sections]
    intro = "intro_credit_note" if credit else "intro_invoice"
    box = _table(rows, (WIDTH * 0.35, WIDTH * 0.30), [("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                                                        ("BACKGROUND", (0, 0), (0, -1), SHADE)], hAlign="LEFT")
    return _table([[s.p(label(intro, document.language))], [box]], (WIDTH,), [("LEFTPADDING", (0, 0), (-1, -1), 0)])


def _section(document: InvoiceDocument, section: DocumentSection, s: _Styles) -> list[Flowable]:
    """One coverage: its lines (flowing over pages), then tax per rate and totals."""
    language, credit = document.language, document.kind is DocumentKind.CREDIT_NOTE
    parts: list[Flowable] = [s.p(coverage_text(section.coverage, section.currency, language), s.heading)]
    if section.po_numbers and section.po_numbers != (document.po_number,):
        parts.append(s.p(f"{label('po_number', language)}: {', '.join(section.po_numbers)}", s.small))
    parts.append(Spacer(1, 1.5 * mm))
    parts.append(_lines_table(section, s, credit))
    closing: list[Flowable] = []
    if section.has_reduced:
        closing.append(s.p(label("reduced_legend", language), s.small))
    closing += [Spacer(1, 2 * mm), _totals_table(section, s, credit), Spacer(1, 5 * mm)]
    return [*parts, KeepTogether(closing)]


def _lines_table(section: DocumentSection, s: _Styles, credit: bool) -> Table:
    language = s.language
    amount_key = "returned_amount" if credit else "amount"
    header = [s.p(label(key, language), s.strong) for key in ("order_number", "product", "service_period")]
    header.append(s.p(label(amount_key, language), s.strong_right))
    rows: list[list[Any]] = [header]
    for line in section.lines:
        product = [s.p(line.product, s.cell)] + ([s.p(line.description, s.small)] if line.description else [])
        period = f"{format_date(line.period_start, language)} –\n{format_date(line.period_end, language)}"
        amount = format_money(line.amount, section.currency, language)
        rows.append([line.order_number, product, s.p(period, s.cell),
                     f"{amount} {REDUCED_MARK}" if line.reduced else amount])
    return _table(rows, LINE_COLUMNS, [
        ("ALIGN", (3, 1), (3, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE), ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
        ("BOX", (0, 0), (-1, -1), 0.6, GRID),
    ], repeatRows=1)


def _totals_table(section: DocumentSection, s: _Styles, credit: bool) -> Table:
    """Taxable amount and tax per rate (one computation per rate), then the section's totals."""
    language, currency = s.language, section.currency

    def money(amount: Decimal) -> str:
        return format_money(amount, currency, language)

    tax_key = "tax_returned" if credit else "tax"
    rows = [[tax_rate_label(tax.category, tax.rate, language), money(tax.taxable_amount),
             label(tax_key, language), money(tax.tax_amount)] for tax in section.taxes]
    totals = [("subtotal", section.subtotal), ("tax_total", section.tax_total),
              ("total_returned" if credit else "total", section.total)]
    rows += [["", "", label(key, language), money(amount)] for key, amount in totals]
    last = len(rows) - 1
    return _table(rows, (32 * mm, 30 * mm, 30 * mm, 34 * mm), [
        ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("ALIGN", (3, 0), (3, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID), ("FONT", (2, last), (3, last), GOTHIC, 10),
        ("LINEABOVE", (2, last), (3, last), 0.8, colors.black),
    ], hAlign="RIGHT")


def _payment(document: InvoiceDocument, s: _Styles) -> Flowable:
    """Where to transfer the money: a Japanese clerk pays from these five values."""
    language, bank = document.language, document.bank
    if bank is None:
        return Spacer(1, 0)
    values = [("bank", bank.bank), ("branch", bank.branch),
              ("account_type", account_type_text(bank.account_type, language)),
              ("account_number", bank.number), ("account_holder", bank.holder_kana)]
    table = _table([[s.p(label(key, language), s.small), s.p(value, s.cell)] for key, value in values],
                   (WIDTH * 0.2, WIDTH * 0.45), [("BOX", (0, 0), (-1, -1), 0.6, GRID),
                                                 ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
                                                 ("BACKGROUND", (0, 0), (0, -1), SHADE)], hAlign="LEFT")
    return KeepTogether([s.p(label("bank_transfer", language), s.heading), Spacer(1, 1.5 * mm), table,
                         Spacer(1, 1.5 * mm), s.p(label("transfer_note", language), s.small)])


def _table(rows: list[list[Any]], widths: tuple[float, ...], style: list[tuple[Any, ...]], **options: Any) -> Table:
    """A table whose own text (and the font it starts each cell with) is Japanese-capable:
    ReportLab's default cell font is Helvetica, which has no kana or kanji."""
    base: list[tuple[Any, ...]] = [("FONT", (0, 0), (-1, -1), MINCHO, 8.5), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    return Table(rows, colWidths=widths, style=TableStyle([*base, *style]), **options)


def _credit_note_note(s: _Styles) -> Flowable:
    return s.p(label("credit_note_note", s.language), s.body)


def _canvas_class(document: InvoiceDocument) -> type[Canvas]:
    """A canvas that writes "page n of N" once N is known, and pins the date and file id."""
    stamp = document.issue_date.strftime("D:%Y%m%d000000+00'00'")
    digest = hashlib.sha256(f"{document.kind.value}:{document.number}".encode()).hexdigest()[:32].upper()
    file_id = f"\n[<{digest}><{digest}>]\n".encode()

    def footer(page: int, pages: int) -> str:
        return f"{document.number}    {label('page', document.language, page=str(page), pages=str(pages))}"

    class _DocumentCanvas(Canvas):
        _doc: Any  # ReportLab's PDFDocument: its file id is set before saving
        _startPage: Callable[[], None]

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            self.setDateFormatter(lambda *_: stamp)

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(MINCHO, 7.5)
                self.setFillColor(colors.dimgrey)
                self.drawRightString(A4[0] - MARGIN, 10 * mm, footer(self.getPageNumber(), len(self._pages)))
                super().showPage()
            self._doc._ID = file_id
            super().save()

    return _DocumentCanvas
