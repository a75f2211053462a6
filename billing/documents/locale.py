"""The ja and en wording and formats of invoice documents.

Everything language-dependent lives here, with both languages side by side in
one table so that a label cannot exist in one language only. Formats are fixed
here, never taken from the process locale, so a document renders alike everywhere:
- dates: ja ``2026年11月23日``; en ``23 November 2026`` (day, month name, year: read
  the same way in the US and in Europe, unlike 11/23/2026 or 23/11/2026);
- amounts: JPY with 0 decimals, ``38,400円`` in ja and ``¥38,400`` in en; USD with 2
  decimals, ``$1,234.50`` in both; a minus sign leads (``-$5.00``);
- rates: ``10%``, ``8%``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.documents.content import AccountType, Language
from kit.money import Currency, to_minor_units
from models.coverage import Coverage
from models.terms import PaymentTerms, TaxCategory

__all__ = [
    "LABELS",
    "REDUCED_MARK",
    "account_type_text",
    "coverage_text",
    "format_date",
    "format_money",
    "format_rate",
    "label",
    "payment_terms_text",
    "recipient_name",
    "tax_rate_label",
]

REDUCED_MARK = "※"
YEN = "\u00a5"  # ¥ (the embedded TrueType font draws it as the yen sign)

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

# key: (ja, en)
LABELS: dict[str, tuple[str, str]] = {
    "title_invoice": ("請求書", "Invoice"),
    "title_credit_note": ("適格返還請求書", "Credit note"),
    "honorific": ("御中", ""),
    "attention": ("ご担当", "Attention"),
    "contact_suffix": ("様", ""),
    "registration_number": ("登録番号", "Registration number"),
    "invoice_number": ("請求書番号", "Invoice number"),
    "credit_note_number": ("返還請求書番号", "Credit note number"),
    "refers_to": ("対象請求書番号", "Credit for invoice"),
    "issue_date": ("発行日", "Issue date"),
    "due_date": ("お支払期限", "Due date"),
    "po_number": ("注文書番号 (PO)", "PO number"),
    "payment_terms": ("お支払条件", "Payment terms"),
    "issuer": ("発行者", "Issued by"),
    "amount_due": ("ご請求金額 (税込)", "Amount due (tax included)"),
    "amount_returned": ("返還金額 (税込)", "Amount returned (tax included)"),
    "intro_invoice": ("下記のとおりご請求申し上げます。", "Please find below the charges for your services."),
    "intro_credit_note": ("下記の請求書のご請求額を返還いたします。", "This credit note returns the invoice below in full."),
    "order_number": ("注文番号", "Order"),
    "product": ("品目", "Product"),
    "service_period": ("サービス期間", "Service period"),
    "amount": ("金額", "Amount"),
    "returned_amount": ("返還額", "Amount returned"),
    "taxable_at": ("{rate}対象", "Taxable at {rate}"),
    "exempt": ("非課税", "Exempt"),
    "tax": ("消費税", "Tax"),
    "tax_returned": ("返還消費税", "Tax returned"),
    "subtotal": ("小計", "Subtotal"),
    "tax_total": ("消費税合計", "Tax total"),
    "total": ("合計", "Total"),
    "total_returned": ("返還合計", "Total returned"),
    "reduced_legend": ("※は軽減税率対象", "※ reduced tax rate (8%)"),
    "bank_transfer": ("お振込先", "Bank transfer details"),
    "bank": ("銀行名", "Bank"),
    "branch": ("支店名", "Branch"),
    "account_type": ("口座種別", "Account type"),
    "account_number": ("口座番号", "Account number"),
    "account_holder": ("口座名義", "Account holder"),
    "transfer_note": (
        "お支払期限までに上記口座へお振込みください。",
        "Please transfer the amount due to the account above by the due date.",
    ),
    "credit_note_note": (
        "対象請求書をお支払い済みの場合は、返還金額をご返金するか、今後のご請求と相殺いたします。"
        "未払いの場合は、対象請求書のお支払いは不要です。",
        "If the invoice was paid, the amount returned is refunded or offset against a future invoice; "
        "if it was not paid, nothing is due on it.",
    ),
    "page": ("{page} / {pages} ページ", "Page {page} of {pages}"),
    "ordinary": ("普通", "Ordinary"),
    "checking": ("当座", "Checking"),
    "NET_30": ("請求日から30日以内", "Net 30 days"),
    "EOM_FOLLOWING": ("月末締め翌月末払い", "End of the following month"),
    "JP": ("日本カバレッジ", "Japan coverage"),
    "GLOBAL": ("グローバルカバレッジ", "Global coverage"),
}


def label(key: str, language: Language, **values: str) -> str:
    """The label ``key`` in ``language``, with ``{placeholders}`` filled from ``values``."""
    ja, en = LABELS[key]
    text = ja if language == "ja" else en
    return text.format(**values) if values else text


def format_date(day: date, language: Language) -> str:
    """``2026年11月23日`` (ja) or ``23 November 2026`` (en)."""
    if language == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_money(amount: Decimal, currency: Currency, language: Language) -> str:
    """``38,400円`` / ``¥38,400`` / ``$1,234.50``. The amount must be whole minor units:
    a document prints what was billed and never rounds."""
    units = to_minor_units(amount, currency)
    sign = "-" if units < 0 else ""
    whole, cents = divmod(abs(units), 10**currency.minor_digits)
    digits = f"{whole:,}" + (f".{cents:0{currency.minor_digits}d}" if currency.minor_digits else "")
    if currency is Currency.JPY:
        return f"{sign}{digits}円" if language == "ja" else f"{sign}{YEN}{digits}"
    return f"{sign}${digits}"


def format_rate(rate: Decimal) -> str:
    """``Decimal("0.10")`` -> ``10%``; ``Decimal("0.08")`` -> ``8%``."""
    return f"{format((rate * 100).normalize(), 'f')}%"


def tax_rate_label(category: TaxCategory, rate: Decimal, language: Language) -> str:
    """``10%対象`` / ``Taxable at 10%``, with ※ on the reduced rate, ``非課税`` / ``Exempt`` at 0."""
    if category is TaxCategory.EXEMPT:
        return label("exempt", language)
    text = label("taxable_at", language, rate=format_rate(rate))
    return f"{text} {REDUCED_MARK}" if category is TaxCategory.REDUCED else text


def recipient_name(company_name: str, language: Language) -> str:
    """The addressee as printed: ``株式会社サンプル 御中`` in ja, the plain name in en."""
    honorific = label("honorific", language)
    return f"{company_name} {honorific}" if honorific else company_name


def payment_terms_text(terms: PaymentTerms, language: Language) -> str:
    return label(terms.value, language)


def account_type_text(account_type: AccountType, language: Language) -> str:
    return label(account_type.value.lower(), language)


def coverage_text(coverage: Coverage, currency: Currency, language: Language) -> str:
    """A section heading: ``日本カバレッジ (JPY)`` / ``Global coverage (USD)``."""
    return f"{label(coverage.value, language)} ({currency.value})"
