"""Where a webhook may be posted: the rules against server-side request forgery.

A partner names a URL; the worker posts to it from inside our network. So:

* the URL is checked at the edge (``parse_url``): http(s), a host, no user name or
  password, no fragment, printable ASCII, at most 2000 characters; in production https only;
* its host is resolved and **every** address it resolves to must be public
  (``refusal``): never loopback, private, link-local (169.254.169.254, the cloud metadata
  service), multicast, reserved, unspecified, shared (CGNAT 100.64.0.0/10) or otherwise
  not global, nor an IPv6 form carrying such an IPv4 address (IPv4-mapped ``::ffff:…``,
  6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``). In development loopback is allowed too
  (a receiver on the developer's machine); every other non-public address stays refused;
* this is checked when the endpoint is created **and** before every try
  (``Destinations.check``), and the request then goes to the checked address itself
  (``Target``: the URL's host is sent as ``Host`` and as the TLS server name), so a DNS
  answer that changes between the check and the connection (rebinding) cannot redirect it.
  Redirects are never followed (``sender``).

The resolver is injectable (tests use a stub and no network): an async callable from a
host name to the IP addresses it resolves to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from billing.errors import ErrorCode

MAX_URL_LENGTH = 2000
"""As long as ``WebhookEndpoint.url`` holds."""

Resolver = Callable[[str], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
_PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]+")


class Refused(Exception):
    """The URL or its destination is refused; ``code`` and the message say why."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WebhookUrl:
    """A URL that passed ``parse_url``: its parts, the host in lower-case ASCII."""

    url: str
    scheme: str
    host: str
    port: int
    target: str
    """The path and query, as sent in the request line."""
    address: IPAddress | None
    """The host itself when it is an IP address (nothing to resolve)."""

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class Target:
    """Where one try goes: the checked URL and the checked address it connects to."""

    url: WebhookUrl
    address: str

    @property
    def request_url(self) -> str:
        """The URL with the checked address as its host (the connection is pinned to it)."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.url.scheme}://{host}:{self.url.port}{self.url.target}"

    @property
    def sni_hostname(self) -> str | None:
        """The TLS server name (and the name the certificate must carry): the URL's host."""
        return self.url.host if self.url.scheme == "https" and self.url.address is None else None


def parse_url(text: str, *, production: bool) -> WebhookUrl:
    """``text`` checked as a webhook URL (``Refused`` naming the rule it breaks)."""
    if not text.strip():
        raise Refused(ErrorCode.REQUIRED, "Give the URL the events are posted to.")
    if len(text) > MAX_URL_LENGTH:
        raise Refused(ErrorCode.TOO_LONG, f"The URL must be at most {MAX_URL_LENGTH} characters.")
    if not _PRINTABLE_ASCII.fullmatch(text):
        raise Refused(
            ErrorCode.INVALID,
            "The URL must be printable ASCII without spaces: write an international host name in punycode "
            "(xn--…) and percent-encode the path.",
        )
    try:
        parts = urlsplit(text)
        port = parts.port
        hostname = parts.hostname
    except ValueError:
        raise Refused(ErrorCode.INVALID, "The URL is malformed (check the host and the port).") from None
    if parts.scheme not in ("http", "https"):
        raise Refused(ErrorCode.INVALID, "The URL must start with https:// (or http:// in development).")
    if production and parts.scheme != "https":
        raise Refused(ErrorCode.DESTINATION_NOT_ALLOWED, "The URL must use https.")
    if parts.username is not None or parts.password is not None:
        raise Refused(ErrorCode.INVALID, "The URL must not contain a user name or password.")
    if parts.fragment or text.endswith("#"):
        raise Refused(ErrorCode.INVALID, "The URL must not contain a fragment (#…).")
    if not hostname:
        raise Refused(ErrorCode.INVALID, "The URL must name a host.")
    if port == 0:
        raise Refused(ErrorCode.INVALID, "The URL's port must be between 1 and 65535.")
    host, address = _host(hostname)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return WebhookUrl(text, parts.scheme, host, port or (443 if parts.scheme == "https" else 80), target, address)


def _host(hostname: str) -> tuple[str, IPAddress | None]:
    """The host name in lower case without a final dot, or the IP address it is."""
    try:
        address = ipaddress.ip_address(hostname.split("%", 1)[0])
    except ValueError:
        address = None
    if address is not None:
        if "%" in hostname:
            raise Refused(ErrorCode.INVALID, "The URL's host must not name a network interface (%…).")
        return str(address), address
    host = hostname.lower().removesuffix(".")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise Refused(ErrorCode.INVALID, f"The URL's host {hostname!r} is not a valid host name.")
    if labels[-1].isdigit() or labels[-1].startswith("0x"):
        raise Refused(ErrorCode.INVALID, "Write an IPv4 host as four decimal numbers (203.0.113.7).")
    return host, None


def _forms(address: IPAddress) -> list[IPAddress]:
    """The IPv4 addresses an IPv6 address carries, then the address itself (a mapped one is
    only its IPv4)."""
    if isinstance(address, ipaddress.IPv4Address):
        return [address]
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    forms: list[IPAddress] = []
    if address.sixtofour is not None:
        forms.append(address.sixtofour)
    if any(address in network for network in _NAT64):
        forms.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [*forms, address]


def _kind(address: IPAddress) -> str | None:
    """What kind of non-public address ``address`` is; None when it is public."""
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "shared (CGNAT)"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "non-public"
    return None


def refusal(address: str, *, allow_loopback: bool = False) -> str | None:
    """Why a request may not go to ``address`` (an IP address in text), or None if it may."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    for form in _forms(parsed):
        kind = _kind(form)
        if kind is None or (kind == "loopback" and allow_loopback):
            continue
        shown = str(parsed) if form == parsed else f"{parsed} ({form})"
        return f"{shown} is a {kind} address"
    return None


async def system_resolver(host: str) -> list[str]:
    """The addresses ``host`` resolves to, by the system's resolver (no port, TCP)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Destinations:
    """The destination rules of one deployment: production or development, and how
    host names are resolved."""

    production: bool
    resolver: Resolver = system_resolver
    resolve_timeout_seconds: float = 3.0

    def parse(self, url: str) -> WebhookUrl:
        return parse_url(url, production=self.production)

    async def check(self, url: str) -> Target:
        """``url`` checked, resolved, and every address checked; the address to connect to."""
        parsed = self.parse(url)
        addresses = [str(parsed.address)] if parsed.address is not None else await self._resolve(parsed.host)
        for address in addresses:
            reason = refusal(address, allow_loopback=not self.production)
            if reason is not None:
                raise Refused(
                    ErrorCode.DESTINATION_NOT_ALLOWED,
                    f"Webhooks are not sent to {parsed.host}: {reason}."
                    + ("" if self.production else " Development allows public and loopback addresses only."),
                )
        return Target(parsed, addresses[0])

    async def _resolve(self, host: str) -> list[str]:
        try:
            async with asyncio.timeout(self.resolve_timeout_seconds):
                addresses = await self.resolver(host)
        except (OSError, TimeoutError, UnicodeError):
            addresses = []
        if not addresses:
            raise Refused(ErrorCode.INVALID, f"The host {host} does not resolve to an address.")
        return addresses
