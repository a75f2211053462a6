"""What a text shown to people may contain.

Text is normalised to Unicode NFC. It may not contain control characters (NUL
included: PostgreSQL refuses it in text columns), lone surrogates (not encodable
as UTF-8) or bidirectional overrides and isolates, which can make a name read
differently from what it is (a product name on an invoice, a company name in an
email).
"""

from __future__ import annotations

import unicodedata

from billing.errors import BusinessError, ErrorCode, FieldError

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


def text_error(value: str, field: str, limit: int, *, required: bool = True) -> FieldError | None:
    """Why ``value`` (already normalised) is not a text for ``field``: missing when
    ``required``, longer than ``limit``, or holding a character ``text_problem`` names."""
    if not value:
        return FieldError(ErrorCode.REQUIRED, f"{field} is required.", field) if required else None
    if len(value) > limit:
        return FieldError(ErrorCode.TOO_LONG, f"{field} is at most {limit} characters.", field)
    problem = text_problem(value)
    if problem:
        return FieldError(ErrorCode.INVALID, f"{field} {problem}.", field)
    return None


def checked_text(value: str, field: str, limit: int) -> str:
    """``value`` normalised, or ``BusinessError`` naming ``field`` (see ``text_error``)."""
    value = normalise(value)
    error = text_error(value, field, limit)
    if error:
        raise BusinessError(error)
    return value
