"""Locale formatting of template values (JPY without decimals, Japanese dates)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from kit.money import Currency, quantize_half_up

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_SYMBOLS = {"USD": "$", "JPY": "¥"}


def format_date(value: str | datetime.date, language: str) -> str:
    """``2026年1月31日`` in Japanese, ``31 January 2026`` in English."""
    day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
    if language == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_money(value: Any, language: str) -> str:
    """A stored money value (``{"amount": "1234.00", "currency": "USD"}``) for people.

    JPY has no decimals: ``12,345円`` in Japanese, ``¥12,345`` in English.
    USD has two: ``$1,234.00`` (Japanese text adds nothing: ``$`` is understood).
    """
    currency = Currency(value["currency"])
    amount = quantize_half_up(Decimal(value["amount"]), currency)
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,.{currency.minor_digits}f}"
    if currency is Currency.JPY and language == "ja":
        return f"{sign}{digits}円"
    return f"{sign}{_SYMBOLS[currency.value]}{digits}"
