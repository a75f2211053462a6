"""Reading ``PORTAL_*`` variables: one parser per kind of value, each naming the
variable in its error (``SettingsError``), so an operator knows what to fix.

Kept apart from ``api.settings`` (which says which variables exist and what they
default to) so that each stays short.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

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


class EnvReader:
    """Parses one variable at a time and names it in every error."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def _raw(self, name: str) -> str | None:
        value = self.env.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def text(self, name: str, default: str) -> str:
        return self._raw(name) or default

    def directory(self, name: str) -> Path | None:
        raw = self._raw(name)
        if raw is None:
            return None
        path = Path(raw.strip())
        if not path.is_dir():
            raise SettingsError(name, f"{raw.strip()!r} is not a directory")
        return path

    def day(self, name: str) -> date | None:
        """A date ``YYYY-MM-DD`` (unset or empty: None)."""
        raw = self._raw(name)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise SettingsError(name, f"must be a date YYYY-MM-DD, not {raw!r}") from None

    def countries(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """Comma-separated ISO 3166 two-letter codes (unset or empty: the default)."""
        raw = self._raw(name)
        if raw is None:
            return default
        codes = tuple(code.strip().upper() for code in raw.split(",") if code.strip())
        if any(len(code) != 2 or not code.isalpha() for code in codes):
            raise SettingsError(name, "must be comma-separated two-letter country codes, e.g. US,CA,GB")
        return codes

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self._raw(name) or default
        if value not in allowed:
            raise SettingsError(name, f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(name, f"must be a whole number, not {raw!r}") from None
        if not low <= value <= high:
            raise SettingsError(name, f"must be between {low} and {high}, not {value}")
        return value

    def seconds(self, name: str, default: float, low: float, high: float) -> float:
        """A duration in seconds, decimals allowed (``0.5``)."""
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(name, f"must be a number of seconds, not {raw!r}") from None
        if not low <= value <= high:  # also refuses NaN
            raise SettingsError(name, f"must be between {low:g} and {high:g} seconds, not {raw}")
        return value

    def url(self, name: str, default: str) -> str:
        value = (self._raw(name) or default).rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(name, f"must be an http(s) URL, not {value!r}")
        return value

    def database_url(self, name: str, default: str) -> str:
        value = self._raw(name) or default
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in ("sqlite", "postgres", "asyncpg", "psycopg"):
            raise SettingsError(name, "must start with sqlite:// or postgres://")
        return value

    def smtp_url(self, name: str) -> str | None:
        value = self._raw(name)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
            raise SettingsError(name, "must look like smtp://host:port, smtps://… or smtp+starttls://…")
        try:
            parts.port  # noqa: B018 - validates the port number
        except ValueError:
            raise SettingsError(name, "has an invalid port") from None
        return value

    def redis_url(self, name: str) -> str | None:
        """``redis://[:password@]host[:port][/db]``, ``rediss://…`` or ``unix:///path`` (unset: None)."""
        value = self._raw(name)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
            raise SettingsError(name, "must look like redis://host:6379/0, rediss://… or unix:///path/to/redis.sock")
        try:
            parts.port  # noqa: B018 - validates the port number
        except ValueError:
            raise SettingsError(name, "has an invalid port") from None
        return value

    def key_prefix(self, name: str, default: str) -> str:
        """A prefix for keys in a shared store: 1 to 64 printable ASCII characters, no spaces."""
        value = self._raw(name) or default
        if not re.fullmatch(r"[\x21-\x7e]{1,64}", value):
            raise SettingsError(name, f"must be 1 to 64 printable ASCII characters without spaces, not {value!r}")
        return value

    def secret(self, name: str) -> str | None:
        """A secret of at least 32 characters (unset or empty: None)."""
        raw = self._raw(name)
        if raw is not None and len(raw) < 32:
            raise SettingsError(name, "must be at least 32 characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
        return raw

    def origins(self, name: str) -> tuple[str, ...]:
        """Comma-separated web origins ``scheme://host[:port]`` (no path), or ``*``."""
        raw = self._raw(name)
        if raw is None:
            return ()
        origins = tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())
        for origin in origins:
            if origin == "*":
                continue
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
                raise SettingsError(name, f"{origin!r} is not an origin like https://console.example.com")
        return origins

    def trusted_issuers(self, name: str) -> tuple[TrustedIssuer, ...]:
        raw = self._raw(name)
        if raw is None:
            return ()
        issuers = []
        for entry in (part.strip() for part in raw.split(",")):
            if not entry:
                continue
            issuer, _, jwks_uri = entry.partition("|")
            for url in filter(None, (issuer, jwks_uri)):
                if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
                    raise SettingsError(name, f"{url!r} is not an http(s) URL")
            # As spelled: a token's ``iss`` must equal it exactly, and some issuers end in "/" (Auth0).
            issuers.append(TrustedIssuer(issuer, jwks_uri or None))
        return tuple(issuers)

    def account_number(self, name: str, default: str) -> str:
        """A Japanese bank account number: 7 digits (Zengin), as printed on a transfer."""
        value = self._raw(name) or default
        if not re.fullmatch(r"[0-9]{7}", value):
            raise SettingsError(name, f"must be the 7-digit account number, e.g. 1234567, not {value!r}")
        return value

    def kana(self, name: str, default: str) -> str:
        """An account holder's name as the bank shows it: katakana (half or full
        width), digits, upper-case Latin letters, spaces and ``().,-/``."""
        value = self._raw(name) or default
        folded = unicodedata.normalize("NFKC", value)
        if not any(_is_katakana(c) for c in folded) or not all(
            _is_katakana(c) or c in _KANA_NAME_EXTRAS for c in folded
        ):
            raise SettingsError(name, f"must be the holder's name in katakana, e.g. ｶ)ﾋﾞﾘﾝｸﾞﾎﾟｰﾀﾙ, not {value!r}")
        return value

    def registration_number(self, name: str, default: str) -> str:
        """A qualified-invoice issuer registration number: T and 13 digits, check digit included."""
        value = self._raw(name) or default
        error = validate_registration_number(value)
        if error is not None:
            raise SettingsError(name, f"must be T followed by 13 digits with a valid check digit, not {value!r}")
        return value

    def own_value(self, name: str, sample: str | None) -> None:
        """In production: ``name`` must be set, and not to ``sample`` (the development
        default, printed on every invoice document if left so)."""
        raw = self._raw(name)
        if raw is None:
            raise SettingsError(name, "must be set in production: the development sample would be printed on invoices")
        if sample is not None and raw == sample:
            raise SettingsError(name, f"is the development sample {sample!r}: set the real value in production")


_KANA_NAME_EXTRAS = frozenset(string.ascii_uppercase + string.digits + " ().,-/")


def _is_katakana(char: str) -> bool:
    return "\u30a1" <= char <= "\u30ff"
