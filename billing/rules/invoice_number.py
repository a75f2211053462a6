"""Invoice number format (not allocation): ``<coverage code>-<year>-<sequence>``.

``JP-2026-000001``: a two-letter upper-case coverage code (``JP``, ``GL``), the
four-digit year and the sequence, zero-padded to at least six digits. Sequences
start at 1; past 999999 the number simply grows wider. Only the canonical form is
parsed, so one number has exactly one spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["InvoiceNumber", "format_credit_note_number", "format_invoice_number", "parse_invoice_number"]

SEQUENCE_WIDTH = 6
_CODE = re.compile(r"[A-Z]{2}")
_NUMBER = re.compile(r"(?P<code>[A-Z]{2})-(?P<year>[1-9][0-9]{3})-(?P<seq>[0-9]{6,})")


@dataclass(frozen=True, slots=True)
class InvoiceNumber:
    """The parts of an invoice number."""

    coverage_code: str
    year: int
    sequence: int

    def __str__(self) -> str:
        return format_invoice_number(self.coverage_code, self.year, self.sequence)


def _check_int(name: str, value: int, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} out of range: {value}")


def format_credit_note_number(coverage_code: str, year: int, sequence: int) -> str:
    """``format_credit_note_number("JP", 2026, 1) == "JP-CN-2026-000001"``: its own
    sequence, never mistaken for an invoice number."""
    number = format_invoice_number(coverage_code, year, sequence)
    return f"{coverage_code}-CN{number[len(coverage_code):]}"


def format_invoice_number(coverage_code: str, year: int, sequence: int) -> str:
    """``format_invoice_number("JP", 2026, 1) == "JP-2026-000001"``."""
    if not isinstance(coverage_code, str) or not _CODE.fullmatch(coverage_code):
        raise ValueError(f"coverage code must be two upper-case letters: {coverage_code!r}")
    _check_int("year", year, 1000, 9999)
    _check_int("sequence", sequence, 1)
    return f"{coverage_code}-{year:04d}-{sequence:0{SEQUENCE_WIDTH}d}"


def parse_invoice_number(value: str) -> InvoiceNumber:
    """Split a canonical invoice number into its parts; ``ValueError`` otherwise."""
    match = _NUMBER.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not an invoice number: {value!r}")
    number = InvoiceNumber(match["code"], int(match["year"]), int(match["seq"]))
    if str(number) != value:
        raise ValueError(f"not the canonical spelling of an invoice number: {value!r}")
    return number
