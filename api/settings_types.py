"""The kinds of value a setting can hold, as pydantic types, and the one error a bad
value raises: ``SettingsError``, naming the variable, so an operator knows what to fix.

Each type is an ``Annotated`` type whose validator checks (and normalises) the value
and raises ``ValueError`` with the sentence the operator reads, value included
(``must be an http(s) URL, not 'x'``); ``settings_error`` turns the first error of a
``ValidationError`` into ``VARIABLE: sentence``. Kept apart from ``api.settings``
(which says which variables exist, what they default to and what they mean) so that
each stays short.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, ValidationError
from pydantic_settings import NoDecode

from billing.rules.registration_number import validate_registration_number


class SettingsError(ValueError):
    """A ``PORTAL_*`` variable has a value the service cannot run with."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


@dataclass(frozen=True)
class TrustedIssuer:
    """An external OAuth issuer whose access tokens this service accepts.

    ``jwks_uri`` is optional: without it the keys are found through the issuer's
    discovery document (RFC 8414 or OpenID Connect Discovery).
    """

    issuer: str
    jwks_uri: str | None = None


def settings_error(error: ValidationError, variable_of: dict[str, str], bounds: dict[str, tuple[Any, Any]]) -> SettingsError:
    """The first problem of ``error`` as ``VARIABLE: what is wrong, not 'value'``.

    ``variable_of`` maps a field name (or validation alias) to its variable;
    ``bounds`` a field name to its ``(ge, le)``, for range errors."""
    first = error.errors(include_url=False)[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    variable = variable_of.get(field, field.upper())
    kind, given = first["type"], first.get("input")
    if kind == "value_error":
        message = str(first["ctx"]["error"])
    elif kind in ("greater_than_equal", "less_than_equal") and field in bounds:
        low, high = bounds[field]
        message = f"must be between {_number(low)} and {_number(high)}, not {given}"
    elif kind.startswith("int_"):
        message = f"must be a whole number, not {given!r}"
    elif kind.startswith("float_"):
        message = f"must be a number, not {given!r}"
    elif kind.startswith("bool_"):
        message = f"must be on or off, not {given!r}"
    elif kind == "literal_error":
        message = f"must be one of {first['ctx']['expected'].replace(chr(39), '')}, not {given!r}"
    else:
        message = f"{first['msg']}, not {given!r}"
    return SettingsError(variable, message)


def _number(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --- validators: each raises ValueError with the sentence the operator reads ----------


def _url(value: str) -> str:
    value = value.rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http(s) URL, not {value!r}")
    return value


def _console_url(value: str) -> str:
    """An http(s) URL ending in ``/`` (links are made relative to it)."""
    return _url(value) + "/"


def _database_url(value: str) -> str:
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in ("sqlite", "postgres", "asyncpg", "psycopg"):
        raise ValueError("must start with sqlite:// or postgres://")
    return value


def _smtp_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
        raise ValueError("must look like smtp://host:port, smtps://… or smtp+starttls://…")
    _check_port(parts)
    return value


def _redis_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise ValueError("must look like redis://host:6379/0, rediss://… or unix:///path/to/redis.sock")
    _check_port(parts)
    return value


def _check_port(parts: Any) -> None:
    try:
        parts.port  # noqa: B018 - urlsplit validates the port number when it is read
    except ValueError:
        raise ValueError("has an invalid port") from None


def _key_prefix(value: str) -> str:
    if not re.fullmatch(r"[\x21-\x7e]{1,64}", value):
        raise ValueError(f"must be 1 to 64 printable ASCII characters without spaces, not {value!r}")
    return value


def _secret(value: str) -> str:
    if len(value) < 32:
        raise ValueError(
            "must be at least 32 characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    return value


def _directory(value: Path) -> Path:
    if not value.is_dir():
        raise ValueError(f"{str(value)!r} is not a directory")
    return value


def _day(value: Any) -> Any:
    """``YYYY-MM-DD`` only (pydantic alone would also take a Unix time)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"must be a date YYYY-MM-DD, not {value!r}") from None
    return value


def _comma_separated(value: Any) -> Any:
    """``a, b,,c`` → ``("a", "b", "c")``; a tuple or list is kept (``Settings(...)`` in code)."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _countries(codes: tuple[str, ...]) -> tuple[str, ...]:
    codes = tuple(code.upper() for code in codes)
    if any(len(code) != 2 or not code.isalpha() for code in codes):
        raise ValueError("must be comma-separated two-letter country codes, e.g. US,CA,GB")
    return codes


def _origins(origins: tuple[str, ...]) -> tuple[str, ...]:
    origins = tuple(origin.rstrip("/") for origin in origins)
    for origin in origins:
        if origin == "*":
            continue
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise ValueError(f"{origin!r} is not an origin like https://console.example.com")
    return origins


def _trusted_issuers(value: Any) -> Any:
    """``ISSUER`` or ``ISSUER|JWKS_URL``, comma-separated."""
    if not isinstance(value, str):
        return value
    issuers = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        issuer, _, jwks_uri = entry.partition("|")
        for url in filter(None, (issuer, jwks_uri)):
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
                raise ValueError(f"{url!r} is not an http(s) URL")
        # As spelled: a token's ``iss`` must equal it exactly, and some issuers end in "/" (Auth0).
        issuers.append(TrustedIssuer(issuer, jwks_uri or None))
    return tuple(issuers)


def _account_number(value: str) -> str:
    if not re.fullmatch(r"[0-9]{7}", value):
        raise ValueError(f"must be the 7-digit account number, e.g. 1234567, not {value!r}")
    return value


def _kana(value: str) -> str:
    folded = unicodedata.normalize("NFKC", value)
    if not any(_is_katakana(c) for c in folded) or not all(_is_katakana(c) or c in _KANA_NAME_EXTRAS for c in folded):
        raise ValueError(f"must be the holder's name in katakana, e.g. ｶ)ﾋﾞﾘﾝｸﾞﾎﾟｰﾀﾙ, not {value!r}")
    return value


def _registration_number(value: str) -> str:
    if validate_registration_number(value) is not None:
        raise ValueError(f"must be T followed by 13 digits with a valid check digit, not {value!r}")
    return value


def _zero_is_none(value: Any) -> Any:
    return None if value in (0, "0") else value


_KANA_NAME_EXTRAS = frozenset(string.ascii_uppercase + string.digits + " ().,-/")


def _is_katakana(char: str) -> bool:
    return "\u30a1" <= char <= "\u30ff"


# --- the types ------------------------------------------------------------------------

Url = Annotated[str, AfterValidator(_url)]
"""An http(s) URL, without a trailing ``/``."""
ConsoleUrl = Annotated[str, AfterValidator(_console_url)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]
SmtpUrl = Annotated[str, AfterValidator(_smtp_url)]
RedisUrl = Annotated[str, AfterValidator(_redis_url)]
KeyPrefix = Annotated[str, AfterValidator(_key_prefix)]
Secret = Annotated[str, AfterValidator(_secret)]
"""At least 32 characters."""
Directory = Annotated[Path, AfterValidator(_directory)]
"""An existing directory."""
Day = Annotated[date, BeforeValidator(_day)]
Words = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_separated)]
"""Comma-separated words (``NoDecode``: pydantic-settings would otherwise read JSON)."""
Countries = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_separated), AfterValidator(_countries)]
Origins = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_separated), AfterValidator(_origins)]
TrustedIssuers = Annotated[tuple[TrustedIssuer, ...], NoDecode, BeforeValidator(_trusted_issuers)]
AccountNumber = Annotated[str, AfterValidator(_account_number)]
Kana = Annotated[str, AfterValidator(_kana)]
"""An account holder's name as the bank shows it: katakana (half or full width),
digits, upper-case Latin letters, spaces and ``().,-/``."""
RegistrationNumber = Annotated[str, AfterValidator(_registration_number)]
"""A qualified-invoice issuer registration number: T and 13 digits, check digit included."""
OptionalPort = Annotated[int | None, BeforeValidator(_zero_is_none)]
"""A port, or unset (``0`` also means unset)."""
