"""The ja/en wording and formats of documents: fixed here, never taken from the process locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.documents.content import AccountType
from billing.documents.locale import (
    LABELS,
    account_type_text,
    coverage_text,
    format_date,
    format_money,
    format_rate,
    label,
    payment_terms_text,
    recipient_name,
    tax_rate_label,
)
from kit.money import Currency, from_minor_units
from models.coverage import Coverage
from models.terms import PaymentTerms, TaxCategory

JPY, USD = Currency.JPY, Currency.USD


def test_dates_read_the_same_in_any_process_locale():
    assert format_date(date(2026, 11, 23), "ja") == "2026年11月23日"
    assert format_date(date(2026, 11, 23), "en") == "23 November 2026"
    assert format_date(date(2027, 1, 5), "en") == "5 January 2027"
    assert format_date(date(2027, 1, 5), "ja") == "2027年1月5日"


@pytest.mark.parametrize(("amount", "currency", "language", "shown"), [
    ("38400", JPY, "ja", "38,400円"),
    ("38400", JPY, "en", "¥38,400"),
    ("38400.00", JPY, "ja", "38,400円"),
    ("1234.5", USD, "en", "$1,234.50"),
    ("1234.50", USD, "ja", "$1,234.50"),
    ("0", USD, "en", "$0.00"),
    ("0.07", USD, "en", "$0.07"),
    ("1234567", JPY, "en", "¥1,234,567"),
    ("-5", USD, "en", "-$5.00"),
    ("-38400", JPY, "ja", "-38,400円"),
])
def test_amounts_have_the_currency_decimals_and_symbol(amount, currency, language, shown):
    assert format_money(Decimal(amount), currency, language) == shown


def test_a_document_never_rounds_nor_takes_a_float():
    with pytest.raises(ValueError, match="minor units"):
        format_money(Decimal("10.5"), JPY, "ja")
    with pytest.raises(ValueError, match="minor units"):
        format_money(Decimal("1.005"), USD, "en")
    with pytest.raises(TypeError, match="float"):
        format_money(1.5, USD, "en")


@settings(max_examples=50, deadline=None)
@given(units=st.integers(min_value=-10**12, max_value=10**12), currency=st.sampled_from(Currency),
       language=st.sampled_from(["ja", "en"]))
def test_a_formatted_amount_reads_back_as_the_same_amount(units, currency, language):
    amount = from_minor_units(units, currency)
    shown = format_money(amount, currency, language)
    digits = shown.replace(",", "").replace("¥", "").replace("$", "").replace("円", "")
    assert Decimal(digits) == amount
    assert ("." in shown) is (currency is USD)


def test_rates_and_tax_rate_labels():
    assert [format_rate(Decimal(rate)) for rate in ("0.10", "0.1000", "0.08", "0")] == ["10%", "10%", "8%", "0%"]
    assert tax_rate_label(TaxCategory.STANDARD, Decimal("0.10"), "ja") == "10%対象"
    assert tax_rate_label(TaxCategory.REDUCED, Decimal("0.08"), "ja") == "8%対象 ※"
    assert tax_rate_label(TaxCategory.REDUCED, Decimal("0.08"), "en") == "Taxable at 8% ※"
    assert tax_rate_label(TaxCategory.EXEMPT, Decimal("0"), "ja") == "非課税"


def test_the_recipient_is_addressed_with_onchu_in_japanese_only():
    assert recipient_name("株式会社サンプル", "ja") == "株式会社サンプル 御中"
    assert recipient_name("Sample Inc.", "en") == "Sample Inc."


def test_titles_registration_number_and_reduced_rate_legend():
    assert (label("title_invoice", "ja"), label("title_invoice", "en")) == ("請求書", "Invoice")
    assert (label("title_credit_note", "ja"), label("title_credit_note", "en")) == ("適格返還請求書", "Credit note")
    assert (label("registration_number", "ja"), label("registration_number", "en")) == ("登録番号", "Registration number")
    assert label("reduced_legend", "ja") == "※は軽減税率対象"
    assert label("reduced_legend", "en") == "※ reduced tax rate (8%)"
    assert label("page", "en", page="2", pages="3") == "Page 2 of 3"


@pytest.mark.parametrize("terms", list(PaymentTerms))
def test_every_payment_term_is_worded_in_both_languages(terms):
    ja, en = payment_terms_text(terms, "ja"), payment_terms_text(terms, "en")
    assert ja and en and ja != en and terms.value not in (ja, en)


def test_payment_terms_wording():
    assert payment_terms_text(PaymentTerms.EOM_FOLLOWING, "ja") == "月末締め翌月末払い"
    assert payment_terms_text(PaymentTerms.NET_30, "en") == "Net 30 days"
    assert payment_terms_text(PaymentTerms.EOM_FOLLOWING, "en") == "End of the following month"


def test_bank_account_types():
    assert [account_type_text(kind, "ja") for kind in AccountType] == ["普通", "当座"]
    assert [account_type_text(kind, "en") for kind in AccountType] == ["Ordinary", "Checking"]


def test_coverage_headings_name_the_currency():
    assert coverage_text(Coverage.JP, JPY, "ja") == "日本カバレッジ (JPY)"
    assert coverage_text(Coverage.GLOBAL, USD, "en") == "Global coverage (USD)"


def test_every_label_exists_in_both_languages():
    english_only_blank = {"honorific", "contact_suffix"}  # 御中 and 様 have no English counterpart
    for key, (ja, en) in LABELS.items():
        assert ja, key
        assert en or key in english_only_blank, key
