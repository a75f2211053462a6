"""Validation of bill-to information (applications and invoice profiles).

``clean_bill_to`` takes the complete record (snake_case keys, as in
``models.invoice_profile.PROFILE_FIELDS``), normalises it (text in NFC and trimmed,
empty optional text -> None, upper-case country) and reports every bad field at
once, each named in camelCase as the client sent it. Every text is printed on
invoices and in emails, so none may hold a control character, a lone surrogate or
a bidirectional override (``billing.rules.text``).
"""

from __future__ import annotations

import re
from typing import Any

from billing.errors import BusinessError, ErrorCode, FieldError
from billing.rules.email_address import is_email
from billing.rules.registration_number import (
    RegistrationNumberError,
    validate_registration_number,
)
from billing.rules.text import normalise, text_problem

MAX_CC_EMAILS = 5
MAX_ADDRESS_LINES = 3
LIMITS = {
    "company_name": 200,
    "department": 200,
    "contact_name": 100,
    "billing_email": 254,
    "phone": 30,
    "postal_code": 12,
    "region": 100,
    "city": 100,
    "address_line": 200,
}
REQUIRED = ("company_name", "contact_name", "billing_email", "phone", "postal_code", "country", "city")
OPTIONAL_TEXT = ("department", "region", "tax_registration_number")

# Optional +, then digits with single spaces or hyphens, 7 to 15 digits (E.164 length).
_PHONE = re.compile(r"\+?[0-9]+([ -]?[0-9]+)*")
_COUNTRY = re.compile(r"[A-Z]{2}")
POSTAL_CODES = {
    "JP": (re.compile(r"[0-9]{3}-[0-9]{4}"), "123-4567"),
    "US": (re.compile(r"[0-9]{5}(-[0-9]{4})?"), "12345 or 12345-6789"),
    "GB": (re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}"), "SW1A 1AA"),
    "CA": (re.compile(r"[A-Z][0-9][A-Z] [0-9][A-Z][0-9]"), "K1A 0B1"),
    "DE": (re.compile(r"[0-9]{5}"), "10115"),
    "FR": (re.compile(r"[0-9]{5}"), "75001"),
}
# Elsewhere: 2 to 10 letters, digits, spaces or hyphens, starting with a letter or digit.
_GENERIC_POSTAL = (re.compile(r"[A-Z0-9][A-Z0-9 -]{1,9}"), "letters, digits, spaces or hyphens")


def camel(name: str) -> str:
    """``billing_email`` -> ``billingEmail``."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def clean_bill_to(values: dict[str, Any]) -> dict[str, Any]:
    """The normalised record, or ``BusinessError`` listing one error per bad field."""
    clean = dict(values)
    errors: list[FieldError] = []
    for name in (*REQUIRED, *OPTIONAL_TEXT):
        text = clean.get(name)
        clean[name] = normalise(text) if isinstance(text, str) else text
        if name in OPTIONAL_TEXT and not clean[name]:
            clean[name] = None
    if isinstance(clean.get("country"), str):
        clean["country"] = clean["country"].upper()
    if isinstance(clean.get("postal_code"), str):
        clean["postal_code"] = clean["postal_code"].upper()
    for name in REQUIRED:
        if not clean.get(name):
            errors.append(_error(ErrorCode.REQUIRED, name, "is required"))
    for name, limit in LIMITS.items():
        if name in clean and clean[name] and len(clean[name]) > limit:
            errors.append(_error(ErrorCode.TOO_LONG, name, f"must be at most {limit} characters"))
    for name in (*REQUIRED, *OPTIONAL_TEXT):
        problem = text_problem(clean[name]) if isinstance(clean.get(name), str) else None
        if problem:
            errors.append(_error(ErrorCode.INVALID, name, problem))
    errors += _check_emails(clean)
    errors += _check_contact_and_address(clean)
    if clean.get("tax_registration_number"):
        errors += _check_registration_number(clean["tax_registration_number"])
    if errors:
        raise BusinessError(_first_per_field(errors))
    return clean


def _error(code: ErrorCode, name: str, message: str) -> FieldError:
    field = camel(name)
    return FieldError(code, f"{field} {message}", field)


def _first_per_field(errors: list[FieldError]) -> list[FieldError]:
    seen: dict[str | None, FieldError] = {}
    for error in errors:
        seen.setdefault(error.field, error)
    return list(seen.values())


def _check_emails(clean: dict[str, Any]) -> list[FieldError]:
    errors = []
    email = clean.get("billing_email")
    if email and not is_email(email):
        errors.append(_error(ErrorCode.INVALID, "billing_email", "is not a valid email address"))
    ccs = [normalise(cc) for cc in clean.get("cc_emails") or []]
    clean["cc_emails"] = ccs
    if len(ccs) > MAX_CC_EMAILS:
        errors.append(_error(ErrorCode.INVALID, "cc_emails", f"may list at most {MAX_CC_EMAILS} addresses"))
    bad = [cc for cc in ccs if not is_email(cc)]
    if bad:
        errors.append(_error(ErrorCode.INVALID, "cc_emails", f"has an invalid address: {bad[0]!r}"))
    if len(set(ccs)) != len(ccs):
        errors.append(_error(ErrorCode.INVALID, "cc_emails", "lists the same address twice"))
    return errors


def _check_contact_and_address(clean: dict[str, Any]) -> list[FieldError]:
    errors = []
    phone = clean.get("phone")
    if phone and (not _PHONE.fullmatch(phone) or not 7 <= sum(c.isdigit() for c in phone) <= 15):
        message = "must be 7 to 15 digits, optionally with +, spaces or hyphens"
        errors.append(_error(ErrorCode.INVALID, "phone", message))
    country = clean.get("country")
    if country and not _COUNTRY.fullmatch(country):
        errors.append(_error(ErrorCode.INVALID, "country", "must be an ISO 3166 two-letter country code"))
    elif country and clean.get("postal_code"):
        pattern, example = POSTAL_CODES.get(country, _GENERIC_POSTAL)
        if not pattern.fullmatch(clean["postal_code"]):
            errors.append(_error(ErrorCode.INVALID, "postal_code", f"does not fit {country} postal codes ({example})"))
    lines = [normalise(line) for line in clean.get("address_lines") or []]
    clean["address_lines"] = lines
    if not lines:
        errors.append(_error(ErrorCode.REQUIRED, "address_lines", "needs at least one line"))
    elif len(lines) > MAX_ADDRESS_LINES:
        errors.append(_error(ErrorCode.INVALID, "address_lines", f"may have at most {MAX_ADDRESS_LINES} lines"))
    elif not all(lines):
        errors.append(_error(ErrorCode.REQUIRED, "address_lines", "must not have an empty line"))
    elif any(len(line) > LIMITS["address_line"] for line in lines):
        message = f"lines must be at most {LIMITS['address_line']} characters"
        errors.append(_error(ErrorCode.TOO_LONG, "address_lines", message))
    elif problems := [problem for line in lines if (problem := text_problem(line))]:
        errors.append(_error(ErrorCode.INVALID, "address_lines", f"line {problems[0]}"))
    return errors


def _check_registration_number(value: str) -> list[FieldError]:
    problem = validate_registration_number(value)
    if problem is RegistrationNumberError.FORMAT:
        return [_error(ErrorCode.INVALID, "tax_registration_number", "must be T followed by 13 digits")]
    if problem is RegistrationNumberError.CHECK_DIGIT:
        return [_error(ErrorCode.INVALID, "tax_registration_number", "has a wrong check digit")]
    return []
