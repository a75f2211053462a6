"""Where a webhook may go: URL rules, address rules, and the check with a resolver stub
(no network)."""

from __future__ import annotations

import pytest

from billing.errors import ErrorCode
from billing.webhooks.destinations import Destinations, Refused, Resolver, parse_url, refusal


def stub(table: dict[str, list[str]]) -> Resolver:
    """A resolver answering from ``table`` (no network); an unknown host resolves to nothing."""

    async def resolve(host: str) -> list[str]:
        return table.get(host, [])

    return resolve


PRODUCTION = Destinations(production=True, resolver=stub({
    "hooks.partner.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "sneaky.partner.example": ["127.0.0.1"],
    "mixed.partner.example": ["93.184.216.34", "10.1.2.3"],
    "metadata.partner.example": ["169.254.169.254"],
}))
DEVELOPMENT = Destinations(production=False, resolver=PRODUCTION.resolver)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("100.127.255.254", "shared (CGNAT)"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),
        ("255.255.255.255", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of 169.254.169.254
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("2001:db8::1", "private"),  # documentation
    ],
)
def test_non_public_addresses_are_refused_with_their_kind(address: str, kind: str) -> None:
    reason = refusal(address)
    assert reason is not None and reason.endswith(f"a {kind} address"), reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                                     "100.128.0.1", "2002:5db8:d822::1"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(address) is None


def test_development_allows_loopback_only_among_non_public_addresses() -> None:
    assert refusal("127.0.0.1", allow_loopback=True) is None
    assert refusal("::1", allow_loopback=True) is None
    assert refusal("::ffff:127.0.0.1", allow_loopback=True) is None
    for address in ("10.0.0.1", "169.254.169.254", "192.168.0.1", "100.64.0.1", "0.0.0.0"):
        assert refusal(address, allow_loopback=True) is not None, address


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("", ErrorCode.REQUIRED),
        ("   ", ErrorCode.REQUIRED),
        ("https://hooks.partner.example/" + "a" * 2000, ErrorCode.TOO_LONG),
        ("ftp://hooks.partner.example/", ErrorCode.INVALID),
        ("hooks.partner.example/x", ErrorCode.INVALID),
        ("https:///path-only", ErrorCode.INVALID),
        ("https://user:pass@hooks.partner.example/", ErrorCode.INVALID),
        ("https://hooks.partner.example/#frag", ErrorCode.INVALID),
        ("https://hooks.partner.example:99999/", ErrorCode.INVALID),
        ("https://hooks.partner.example:0/", ErrorCode.INVALID),
        ("https://[::1/", ErrorCode.INVALID),
        ("https://hooks partner.example/", ErrorCode.INVALID),
        ("https://hooks.partner.example/\x00", ErrorCode.INVALID),
        ("https://bücher.example/", ErrorCode.INVALID),
        ("https://bad_host!.example/", ErrorCode.INVALID),
        ("https://2130706433/", ErrorCode.INVALID),  # 127.0.0.1 as a number
        ("https://127.1/", ErrorCode.INVALID),
        ("https://0x7f000001/", ErrorCode.INVALID),
        ("https://[fe80::1%25eth0]/", ErrorCode.INVALID),
        ("http://hooks.partner.example/", ErrorCode.DESTINATION_NOT_ALLOWED),  # production: https only
    ],
)
def test_malformed_urls_are_refused_at_the_edge(url: str, code: ErrorCode) -> None:
    with pytest.raises(Refused) as refused:
        parse_url(url, production=True)
    assert refused.value.code is code, refused.value.message


def test_a_url_keeps_its_path_query_and_port() -> None:
    parsed = parse_url("https://Hooks.Partner.Example.:8443/in/bound?x=1", production=True)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.target) == ("https", "hooks.partner.example", 8443,
                                                                         "/in/bound?x=1")
    assert parsed.host_header == "hooks.partner.example:8443"
    assert parse_url("http://[::1]:80", production=False).host_header == "[::1]"


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://10.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://sneaky.partner.example/hooks",
        "https://mixed.partner.example/hooks",  # one private address among public ones is enough
        "https://metadata.partner.example/hooks",
    ],
)
async def test_production_refuses_destinations_that_are_not_public(url: str) -> None:
    with pytest.raises(Refused) as refused:
        await PRODUCTION.check(url)
    assert refused.value.code is ErrorCode.DESTINATION_NOT_ALLOWED


async def test_a_public_destination_is_pinned_to_its_checked_address() -> None:
    target = await PRODUCTION.check("https://hooks.partner.example/in?x=1")
    assert target.address == "93.184.216.34"
    assert target.request_url == "https://93.184.216.34:443/in?x=1"
    assert target.sni_hostname == "hooks.partner.example"
    assert target.url.host_header == "hooks.partner.example"


async def test_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        await PRODUCTION.check("https://nowhere.partner.example/")
    assert refused.value.code is ErrorCode.INVALID


async def test_development_allows_http_and_loopback_but_not_private_addresses() -> None:
    target = await DEVELOPMENT.check("http://127.0.0.1:8080/hooks")
    assert target.request_url == "http://127.0.0.1:8080/hooks" and target.sni_hostname is None
    assert (await DEVELOPMENT.check("http://sneaky.partner.example/")).address == "127.0.0.1"
    for url in ("http://10.0.0.1/", "http://169.254.169.254/", "http://mixed.partner.example/"):
        with pytest.raises(Refused):
            await DEVELOPMENT.check(url)
