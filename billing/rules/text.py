"""What a text shown to people may contain.

Text is normalised to Unicode NFC. It may not contain control characters (NUL
included: PostgreSQL refuses it in text columns), lone surrogates (not encodable
as UTF-8) or bidirectional overrides and isolates, which can make a name read
differently from what it is (a product name on an invoice, a company name in an
email).
"""

from __future__ import annotations

import unicodedata

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def normalise(value: str) -> str:
    """``value`` in NFC, trimmed."""
    return unicodedata.normalize("NFC", value).strip()


def text_problem(value: str) -> str | None:
    """Why ``value`` may not be shown to people, or None when it may."""
    for char in value:
        if "\ud800" <= char <= "\udfff":
            return "contains an invalid character (a lone surrogate)"
        if char in _BIDI_CONTROLS:
            return "contains a bidirectional control character"
        if unicodedata.category(char) == "Cc":
            return "contains a control character"
    return None
