"""Japan's qualified-invoice issuer registration number (適格請求書発行事業者登録番号).

Format: ``T`` followed by a 13-digit corporate number whose first digit is a check
digit: ``9 - (sum of the other 12 digits weighted 1, 2, 1, 2, ... from the rightmost
digit) mod 9``. The check digit is therefore always 1..9, and, as with any mod-9
scheme, replacing a 0 by a 9 (or a 9 by a 0) among the 12 digits is not detected.

Validation returns an error code instead of raising, so that a caller can turn it
into a field error: ``None`` means valid.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "RegistrationNumberError",
    "check_digit",
    "make_registration_number",
    "validate_registration_number",
]

_FORMAT = re.compile(r"T[0-9]{13}")
_BODY = re.compile(r"[0-9]{12}")


class RegistrationNumberError(StrEnum):
    """Why a registration number is invalid (compares equal to its string code)."""

    FORMAT = "format"
    """Not ``T`` followed by exactly 13 ASCII digits."""
    CHECK_DIGIT = "check_digit"
    """The first of the 13 digits does not match the other 12."""


def check_digit(body: str) -> int:
    """The check digit (1..9) for the 12 digits that follow it."""
    if not isinstance(body, str) or not _BODY.fullmatch(body):
        raise ValueError(f"expected 12 ASCII digits, got {body!r}")
    weighted = sum(
        int(digit) * (1 if position % 2 == 0 else 2)
        for position, digit in enumerate(reversed(body))
    )
    return 9 - weighted % 9


def make_registration_number(body: str) -> str:
    """``T`` + check digit + ``body`` for a 12-digit ``body``."""
    return f"T{check_digit(body)}{body}"


def validate_registration_number(value: str) -> RegistrationNumberError | None:
    """``None`` if ``value`` is a well-formed registration number, else the error code.

    No normalisation is done: lower-case ``t``, spaces, hyphens or full-width digits
    are format errors (normalise at the input edge if you want to accept them).
    """
    if not isinstance(value, str):
        raise TypeError(f"registration number must be str, got {type(value).__name__}")
    if not _FORMAT.fullmatch(value):
        return RegistrationNumberError.FORMAT
    if int(value[1]) != check_digit(value[2:]):
        return RegistrationNumberError.CHECK_DIGIT
    return None
