"""Kinds, validation and templates: pure, no database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from kit.money import Currency, Money
from notifications.formatting import format_date, format_money
from notifications.kinds import KINDS, LANGUAGES, FieldType
from notifications.payload import InvalidMessage, check_addresses, normalize_data
from notifications.render import TEMPLATES, render
from tests.notifications.conftest import invoice_data

SAMPLES = {
    FieldType.TEXT: "<b>Tom & Jerry</b>",
    FieldType.EMAIL: "someone@example.test",
    FieldType.DATE: "2026-01-31",
    FieldType.MONEY: {"amount": "1234.50", "currency": "USD"},
    FieldType.INTEGER: 3,
}


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        ("12345", "JPY", "ja", "12,345円"),
        ("12345", "JPY", "en", "¥12,345"),
        ("1234.5", "USD", "en", "$1,234.50"),
        ("24000.00", "USD", "ja", "$24,000.00"),
        ("-500", "JPY", "ja", "-500円"),
    ],
)
def test_money_is_formatted_for_the_locale_with_the_currency_decimals(amount, currency, language, expected):
    assert format_money({"amount": amount, "currency": currency}, language) == expected


def test_dates_are_japanese_or_english():
    assert format_date("2026-01-31", "ja") == "2026年1月31日"
    assert format_date(datetime.date(2026, 1, 31), "en") == "31 January 2026"


def test_every_kind_has_subject_text_and_html_in_every_language_and_renders():
    for kind, fields in KINDS.items():
        for language in LANGUAGES:
            for name in (f"subject.{language}.txt", f"body.{language}.txt", f"body.{language}.html"):
                assert (TEMPLATES / kind / name).is_file(), f"{kind}/{name} is missing"
            data = {name: SAMPLES[spec.type] for name, spec in fields.items()}
            rendered = render(kind, language, normalize_data(kind, data))
            assert rendered.subject and "\n" not in rendered.subject


def test_invoice_issued_renders_number_amount_due_date_and_po_in_japanese():
    rendered = render("invoice_issued", "ja", normalize_data("invoice_issued", invoice_data()))
    for part in (rendered.subject, rendered.text, rendered.html):
        assert "JP-2026-000001" in part and "12,345円" in part and "2026年1月31日" in part
    assert "PO-77" in rendered.text and "PO-77" in rendered.html


def test_invoice_issued_in_english_without_po_number_omits_the_po_line():
    data = invoice_data(total=Money(Decimal("22000.00"), Currency.USD), po_number=None, coverage="GLOBAL")
    rendered = render("invoice_issued", "en", normalize_data("invoice_issued", data))
    assert "$22,000.00" in rendered.subject and "31 January 2026" in rendered.text
    assert "PO number" not in rendered.text and "PO number" not in rendered.html


def test_html_is_escaped_but_text_is_not():
    data = normalize_data("invoice_issued", invoice_data(company_name="<script>x</script> & Co"))
    rendered = render("invoice_issued", "en", data)
    assert "&lt;script&gt;x&lt;/script&gt; &amp; Co" in rendered.html and "<script>" not in rendered.html
    assert "<script>x</script> & Co" in rendered.text


def test_data_is_stored_json_safe():
    stored = normalize_data("invoice_issued", invoice_data(total=Money(Decimal("1234.5"), Currency.USD)))
    assert stored["total"] == {"amount": "1234.50", "currency": "USD"}
    assert stored["due_date"] == "2026-01-31"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"invoice_number": None}, "'invoice_number' is required"),
        ({"due_date": "31/01/2026"}, "'due_date' must be date"),
        ({"due_date": datetime.datetime(2026, 1, 31)}, "'due_date' must be date"),
        ({"total": {"amount": "10.5", "currency": "JPY"}}, "'total' must be money"),
        ({"total": {"amount": 10.5, "currency": "USD"}}, "'total' must be money"),
        ({"total": {"amount": "10", "currency": "EUR"}}, "'total' must be money"),
        ({"company_name": 42}, "'company_name' must be text"),
        ({"invoice_numbr": "x"}, "unknown field(s) invoice_numbr"),
    ],
)
def test_wrong_or_missing_data_is_refused_with_the_field_named(change, complaint):
    with pytest.raises(InvalidMessage, match=complaint.replace("(", r"\(").replace(")", r"\)")):
        normalize_data("invoice_issued", invoice_data(**change))


def test_addresses_are_checked_and_repeats_dropped():
    assert check_addresses(["a@x.test"], ["b@x.test", "A@x.test"]) == (["a@x.test"], ["b@x.test"])
    for to, cc in ((["not-an-address"], []), ([], ["b@x.test"]), ("a@x.test", [])):
        with pytest.raises(InvalidMessage):
            check_addresses(to, cc)
