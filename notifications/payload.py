"""Validation of a message before it is stored: kind, language, addresses, data.

Data is checked against the kind's declared fields (``notifications.kinds``) and
converted to JSON-safe values: dates as ISO strings, money as
``{"amount": "1234.00", "currency": "USD"}``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from kit.money import Currency, quantize_half_up
from notifications.kinds import KINDS, LANGUAGES, FieldSpec, FieldType

MAX_TEXT = 2_000
MAX_RECIPIENTS = 20
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")


class InvalidMessage(ValueError):
    """The message cannot be rendered as asked; nothing was stored."""


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidMessage(f"unknown message kind {kind!r} (declare it in notifications/kinds.py)")


def check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidMessage(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")


def check_addresses(to: Sequence[str], cc: Sequence[str]) -> tuple[list[str], list[str]]:
    """Trimmed, valid, without repeats (a CC that is also a To is dropped)."""
    if isinstance(to, str) or isinstance(cc, str):
        raise InvalidMessage("to and cc must be sequences of addresses, not a single string")
    if not to:
        raise InvalidMessage("a message needs at least one 'to' address")
    seen: set[str] = set()
    lists: list[list[str]] = [[], []]
    for target, addresses in zip(lists, (to, cc)):
        for raw in addresses:
            address = str(raw).strip()
            if not address.isascii() or not _EMAIL.match(address):
                raise InvalidMessage(f"{raw!r} is not an email address")
            if address.lower() not in seen:
                seen.add(address.lower())
                target.append(address)
    if len(seen) > MAX_RECIPIENTS:
        raise InvalidMessage(f"a message may have at most {MAX_RECIPIENTS} recipients")
    return lists[0], lists[1]


def normalize_data(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` checked against ``kind``'s fields, as JSON-safe values."""
    fields = KINDS[kind]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InvalidMessage(f"{kind}: unknown field(s) {', '.join(unknown)}")
    result: dict[str, Any] = {}
    for name, spec in fields.items():
        value = data.get(name)
        if value is None or value == "":
            if spec.required:
                raise InvalidMessage(f"{kind}: field {name!r} is required")
            result[name] = None
            continue
        result[name] = _convert(kind, name, spec, value)
    return result


def _convert(kind: str, name: str, spec: FieldSpec, value: Any) -> Any:
    where = f"{kind}: field {name!r}"
    converter = _CONVERTERS[spec.type]
    try:
        return converter(value)
    except (TypeError, ValueError, KeyError, InvalidOperation) as exc:
        raise InvalidMessage(f"{where} must be {spec.type.value}: {exc}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"got {type(value).__name__}")
    if len(value) > MAX_TEXT:
        raise ValueError(f"longer than {MAX_TEXT} characters")
    return value


def _email(value: Any) -> str:
    if not isinstance(value, str) or not value.isascii() or not _EMAIL.match(value.strip()):
        raise ValueError(f"{value!r} is not an email address")
    return value.strip()


def _date(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        raise TypeError("a datetime is not a date")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value).isoformat()
    raise TypeError(f"got {type(value).__name__}")


def _money(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        amount, currency = value["amount"], value["currency"]
    else:
        amount, currency = value.amount, value.currency
    if isinstance(amount, (float, bool)):
        raise TypeError("amount must be a Decimal or a decimal string, never a float")
    currency = Currency(currency.value if isinstance(currency, Currency) else currency)
    exact = Decimal(str(amount))
    if not exact.is_finite() or quantize_half_up(exact, currency) != exact:
        raise ValueError(f"{amount} is not a whole number of {currency.value} minor units")
    return {"amount": str(quantize_half_up(exact, currency)), "currency": currency.value}


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"got {type(value).__name__}")
    return value


_CONVERTERS = {
    FieldType.TEXT: _text,
    FieldType.EMAIL: _email,
    FieldType.DATE: _date,
    FieldType.MONEY: _money,
    FieldType.INTEGER: _integer,
}
