"""Invoice number format: CC-YYYY-NNNNNN."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rules.invoice_number import (
    InvoiceNumber,
    format_invoice_number,
    parse_invoice_number,
)

FAST = settings(max_examples=100, deadline=None)


def test_numbers_are_coverage_year_and_six_digit_sequence():
    assert format_invoice_number("JP", 2026, 1) == "JP-2026-000001"
    assert format_invoice_number("GL", 2026, 1) == "GL-2026-000001"
    assert format_invoice_number("JP", 2026, 123456) == "JP-2026-123456"


def test_sequence_past_six_digits_grows_wider():
    assert format_invoice_number("JP", 2026, 1_234_567) == "JP-2026-1234567"
    assert parse_invoice_number("JP-2026-1234567") == InvoiceNumber("JP", 2026, 1_234_567)


def test_parse_splits_a_number_into_its_parts():
    parsed = parse_invoice_number("GL-2027-000042")
    assert parsed == InvoiceNumber(coverage_code="GL", year=2027, sequence=42)
    assert str(parsed) == "GL-2027-000042"


@pytest.mark.parametrize(
    ("code", "year", "sequence", "error"),
    [
        ("GLOBAL", 2026, 1, ValueError),
        ("jp", 2026, 1, ValueError),
        ("J", 2026, 1, ValueError),
        ("JP", 999, 1, ValueError),
        ("JP", 10000, 1, ValueError),
        ("JP", 2026, 0, ValueError),
        ("JP", 2026, -1, ValueError),
        ("JP", 2026, 1.0, TypeError),
        ("JP", "2026", 1, TypeError),
        ("JP", 2026, True, TypeError),
    ],
)
def test_format_rejects_bad_parts(code, year, sequence, error):
    with pytest.raises(error):
        format_invoice_number(code, year, sequence)


@pytest.mark.parametrize(
    "value",
    [
        "JP-2026-00001",
        "JP-2026-0000001",
        "JP-2026-000000",
        "jp-2026-000001",
        "JP2026000001",
        "JP-26-000001",
        "JP-2026-000001 ",
        "JP-2026-000001\n",
        "JP-0999-000001",
        "JP-2026-００0001",
        "",
    ],
)
def test_parse_rejects_anything_but_the_canonical_form(value):
    with pytest.raises(ValueError):
        parse_invoice_number(value)


@FAST
@given(
    code=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    year=st.integers(1000, 9999),
    sequence=st.integers(1, 10**9),
)
def test_format_and_parse_round_trip(code, year, sequence):
    number = format_invoice_number(code, year, sequence)
    assert parse_invoice_number(number) == InvoiceNumber(code, year, sequence)
    assert format_invoice_number(*_parts(parse_invoice_number(number))) == number


def _parts(number: InvoiceNumber) -> tuple[str, int, int]:
    return number.coverage_code, number.year, number.sequence


@FAST
@given(a=st.integers(1, 999_999), b=st.integers(1, 999_999))
def test_six_digit_numbers_sort_like_their_sequence(a, b):
    left, right = format_invoice_number("JP", 2026, a), format_invoice_number("JP", 2026, b)
    assert (left < right) == (a < b)
