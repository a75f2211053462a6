"""Which redirect URIs a public client may register, and how a requested one matches.

Registration (RFC 6749 3.1.2, RFC 8252 section 7, RFC 9700 2.1): an absolute URI
without a fragment or user info, of one of these forms:

- ``https://host/path``;
- a loopback address of a native app, ``http://127.0.0.1:{port}/path`` or
  ``http://[::1]:{port}/path`` (RFC 8252 7.3), never ``localhost`` (RFC 8252 8.3);
- a private-use scheme in reverse-domain form with a single slash,
  ``com.example.app:/callback`` (RFC 8252 7.1);
- in development only, also ``http://localhost[:port]/path`` and any ``http`` URI on
  the issuer's own origin.

Matching is exact, character for character (RFC 9700 2.1), with the one exception
RFC 8252 7.3 makes: a loopback IP redirect URI matches on any port, because a native
app opens an ephemeral port at the time of the request.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MAX_REDIRECT_URI_LENGTH = 2000
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")
_PRIVATE_SCHEME = re.compile(r"[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+")


class RedirectUriRefused(ValueError):
    """A redirect URI that may not be registered; the message says which rule it breaks."""


def check_redirect_uri(uri: str, *, development: bool, issuer: str) -> str:
    """Return ``uri`` if a public client may register it, else raise ``RedirectUriRefused``."""
    if not uri or len(uri) > MAX_REDIRECT_URI_LENGTH or not uri.isprintable() or " " in uri:
        raise RedirectUriRefused(f"{uri!r}: must be a printable URI of at most {MAX_REDIRECT_URI_LENGTH} characters")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - validates the port number
    except ValueError:
        raise RedirectUriRefused(f"{uri!r}: is not a valid URI") from None
    if parts.fragment or "#" in uri:
        raise RedirectUriRefused(f"{uri!r}: must not contain a fragment (RFC 6749 3.1.2)")
    if "@" in parts.netloc:
        raise RedirectUriRefused(f"{uri!r}: must not contain user information")
    if parts.scheme == "https":
        if not parts.hostname:
            raise RedirectUriRefused(f"{uri!r}: an https redirect URI needs a host")
        return uri
    if parts.scheme == "http":
        if _is_loopback(uri):
            return uri
        if development and (parts.hostname == "localhost" or _origin(uri) == _origin(issuer)):
            return uri
        raise RedirectUriRefused(
            f"{uri!r}: plain http is allowed only for loopback addresses (http://127.0.0.1:PORT/… or "
            "http://[::1]:PORT/…, RFC 8252 7.3)"
            + ("" if development else "; http://localhost is allowed in development only")
        )
    if _PRIVATE_SCHEME.fullmatch(parts.scheme) and not parts.netloc and parts.path.startswith("/"):
        return uri
    raise RedirectUriRefused(
        f"{uri!r}: use an https URL, a loopback http://127.0.0.1:PORT/… URL, or a private-use "
        "scheme in reverse-domain form such as com.example.app:/callback (RFC 8252 7.1)"
    )


def matches(requested: str, registered: list[str]) -> bool:
    """The requested redirect URI is one of the registered ones (exact; any port on loopback)."""
    if requested in registered:
        return True
    if not _is_loopback(requested):
        return False
    portless = _without_port(requested)
    return any(_is_loopback(uri) and _without_port(uri) == portless for uri in registered)


def _host(netloc: str) -> str:
    """The host part of ``netloc`` as written (``[::1]`` keeps its brackets), without the port."""
    return netloc if netloc.endswith("]") else netloc.rsplit(":", 1)[0]


def _is_loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and "@" not in parts.netloc and _host(parts.netloc) in LOOPBACK_HOSTS


def _without_port(uri: str) -> str:
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, _host(parts.netloc), parts.path, parts.query, ""))


def _origin(uri: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(uri)
    return parts.scheme, parts.hostname, parts.port
