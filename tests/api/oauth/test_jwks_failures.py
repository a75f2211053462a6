"""An external issuer whose JWKS endpoint refuses, hangs or fails (issue 10).

The issuer's JWKS is served by a real HTTP server on a loopback port. Its tokens
get 503 (``SERVICE_UNAVAILABLE``, ``Retry-After``) at once, the failure is
remembered (one fetch for many requests), requests for this service's own tokens
never wait behind the fetch, and keys fetched earlier keep working while the issuer
is down. No timers: the fetch timeout is a tiny setting, the cache's clock is a fake
one, and ``asyncio.timeout`` bounds each test only as a safety net.
"""

from __future__ import annotations

import asyncio
import json
import socket

import httpx
import pytest
from joserfc.jwk import KeySet, RSAKey

from api.app import create_app
from api.oauth.jwks import FAILURE_TTL_SECONDS, REFRESH_INTERVAL_SECONDS, IssuerKeys
from api.services import Services
from api.settings import TrustedIssuer
from tests.conftest import AUDIENCE, GraphQLClient
from tests.support import forge

IDP = "https://idp.test"
SAFETY_NET_SECONDS = 30
TINY = 0.3
VIEWER = "{ viewer { subject } }"


class JwksServer:
    """Serves ``/jwks`` on a loopback port as ``mode`` says: ``ok`` (the key set),
    ``500``, ``404``, ``hang`` (never answers) or ``hold`` (answers nothing until
    ``release`` is set, then hangs up). Counts the requests it receives."""

    def __init__(self, keys: KeySet) -> None:
        self.keys = keys
        self.mode = "ok"
        self.requests = 0
        self.received = asyncio.Event()
        self.release = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/jwks"

    def close(self) -> None:
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        self.requests += 1
        self.received.set()
        if self.mode == "hang":
            await reader.read()  # until the client gives up and hangs up
        elif self.mode == "hold":
            await self.release.wait()
        else:
            status, body = {"ok": (200, self.keys.as_dict(private=False)), "500": (500, {}), "404": (404, {})}[
                self.mode
            ]
            payload = json.dumps(body).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        writer.close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def idp_key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True, auto_kid=True)


@pytest.fixture
async def jwks_server(idp_key):
    server = JwksServer(KeySet([idp_key]))
    url = await server.start()
    yield server, url
    server.release.set()
    server.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def _portal(settings, signing_key, jwks_url: str, clock: FakeClock, timeout: float = TINY):
    trusting = settings.model_copy(update={"trusted_issuers": (TrustedIssuer(IDP, jwks_url),), "jwks_timeout_seconds": timeout})
    services = Services.build(trusting, signing_key)
    attempts: list[str] = []

    async def count(request: httpx.Request) -> None:
        attempts.append(str(request.url))

    http = httpx.AsyncClient(timeout=timeout, event_hooks={"request": [count]})
    services.issuer_keys = IssuerKeys(
        trusting.issuer, signing_key, trusting.trusted_issuers, http=http, clock=clock, timeout=timeout
    )
    services.validator.issuer_keys = services.issuer_keys
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(services, manage_database=False)), base_url=trusting.issuer
    )
    return GraphQLClient(client), attempts, services


@pytest.fixture
async def portal(settings, signing_key, db, jwks_server, clock):
    server, url = jwks_server
    gql, attempts, services = await _portal(settings, signing_key, url, clock)
    yield gql, attempts, server
    await gql.http.aclose()
    await services.aclose()


@pytest.fixture
async def portal_refused(settings, signing_key, db, clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/jwks"
    gql, attempts, services = await _portal(settings, signing_key, url, clock)
    yield gql, attempts
    await gql.http.aclose()
    await services.aclose()


def _idp_token(key: RSAKey, subject: str = "owner") -> str:
    return forge.sign(key, forge.claims(IDP, AUDIENCE, sub=subject))


async def _post(gql: GraphQLClient, token: str) -> httpx.Response:
    async with asyncio.timeout(SAFETY_NET_SECONDS):
        return await gql.post(VIEWER, token, X_Request_ID="req-jwks")


def assert_issuer_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["x-request-id"] == "req-jwks"
    assert 1 <= int(response.headers["retry-after"]) <= FAILURE_TTL_SECONDS
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "requestId": "req-jwks"}
    assert "issuer" in error["message"]


@pytest.mark.parametrize(
    ("mode", "said"), [("hang", f"did not answer within {TINY:g} s"), ("500", "answered HTTP 500")]
)
async def test_issuer_down_answers_503_and_the_failure_is_remembered(portal, idp_key, account, mode, said):
    gql, attempts, server = portal
    server.mode = mode
    for _ in range(4):
        response = await _post(gql, _idp_token(idp_key))
        assert_issuer_unavailable(response)
        assert said in response.json()["errors"][0]["message"]
    assert server.requests == 1 and len(attempts) == 1, "one fetch, then the remembered failure"


async def test_issuer_refusing_connections_answers_503_and_is_remembered(portal_refused, idp_key, account):
    gql, attempts = portal_refused
    for _ in range(4):
        response = await _post(gql, _idp_token(idp_key))
        assert_issuer_unavailable(response)
    assert "cannot be reached" in response.json()["errors"][0]["message"]
    assert len(attempts) == 1


async def test_a_hanging_issuer_does_not_delay_our_own_tokens(portal, idp_key, account, token_for):
    gql, attempts, server = portal
    server.mode = "hang"
    own = await token_for("owner", "billing:read")
    external, ours = await asyncio.gather(_post(gql, _idp_token(idp_key)), _post(gql, own))
    assert_issuer_unavailable(external)
    assert ours.status_code == 200 and ours.json()["data"]["viewer"] == {"subject": "owner"}


async def test_concurrent_requests_share_one_fetch_and_hold_no_lock(
    settings, signing_key, db, jwks_server, clock, idp_key, account, token_for
):
    """While one fetch is in flight (the server holds it), a second request of the
    same issuer waits on that fetch, and a request with our own token is answered."""
    server, url = jwks_server
    server.mode = "hold"
    gql, attempts, services = await _portal(settings, signing_key, url, clock, timeout=SAFETY_NET_SECONDS)
    try:
        async with asyncio.timeout(SAFETY_NET_SECONDS):
            first = asyncio.create_task(_post(gql, _idp_token(idp_key)))
            await server.received.wait()
            second = asyncio.create_task(_post(gql, _idp_token(idp_key)))
            ours = await _post(gql, await token_for("owner", "billing:read"))
            assert ours.status_code == 200, ours.text
            assert not first.done() and not second.done()
            server.release.set()  # the issuer hangs up without an answer
            responses = await asyncio.gather(first, second)
    finally:
        await gql.http.aclose()
        await services.aclose()
    for response in responses:
        assert_issuer_unavailable(response)
    assert server.requests == 1 and len(attempts) == 1


async def test_after_the_remembered_failure_expires_the_issuer_is_asked_again(portal, idp_key, account, clock):
    gql, attempts, server = portal
    server.mode = "500"
    assert_issuer_unavailable(await _post(gql, _idp_token(idp_key)))
    server.mode = "ok"
    clock.now += FAILURE_TTL_SECONDS - 1
    assert_issuer_unavailable(await _post(gql, _idp_token(idp_key)))
    clock.now += 1
    response = await _post(gql, _idp_token(idp_key))
    assert response.status_code == 200, response.text
    assert server.requests == 2


async def test_cached_keys_keep_working_while_the_issuer_is_down(portal, idp_key, account, clock):
    gql, attempts, server = portal
    assert (await _post(gql, _idp_token(idp_key))).status_code == 200
    server.mode = "500"
    clock.now += REFRESH_INTERVAL_SECONDS + 1
    stranger = RSAKey.generate_key(2048, private=True, auto_kid=True)
    for _ in range(3):
        unknown = await _post(gql, _idp_token(stranger))
        assert unknown.status_code == 401, "an unknown kid is the token's problem, not an outage"
        assert "signing key is unknown" in unknown.headers["www-authenticate"]
        known = await _post(gql, _idp_token(idp_key))
        assert known.status_code == 200, known.text
    assert server.requests == 2, "one refetch for the unknown kid, then the failure is remembered"


async def test_an_issuer_answering_without_keys_is_an_invalid_token(portal, idp_key, account):
    gql, attempts, server = portal
    server.mode = "404"
    for _ in range(3):
        response = await _post(gql, _idp_token(idp_key))
        assert response.status_code == 401, response.text
        challenge = response.headers["www-authenticate"]
        assert 'error="invalid_token"' in challenge and "answered HTTP 404" in challenge
    assert server.requests == 1
