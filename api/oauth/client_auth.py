"""Client authentication at /oauth/token, /oauth/revoke and /oauth/introspect.

Done on the event loop before authlib runs (authlib then receives the client
already authenticated, see ``PortalAuthorizationServer.authenticate_client``), in
this order, so that secrets cost attackers and not the server:

1. exactly one method per request (RFC 6749 §2.3): HTTP Basic *or* ``client_id``
   and ``client_secret`` in the body; both is ``invalid_request``. A ``client_id``
   alone in the body is method ``none``: it identifies a *public* client (which has
   no secret) and nothing else; a confidential client without its secret is
   ``invalid_client``;
2. failures so far, per client id and per remote address: over the budget is
   HTTP 429 ``slow_down`` with ``Retry-After``, before anything is looked up;
3. a client id or secret that no client can have (too long, not RFC 6749 VSCHAR)
   is ``invalid_client`` at once: no lookup, no hash;
4. the lookup, then one scrypt verification in a bounded thread pool; an unknown
   client id (or a public client given a secret) is verified against a dummy hash,
   so that it costs the same time and gets the same answer as a wrong secret.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from anyio import CapacityLimiter, to_thread
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from starlette.datastructures import FormData

from api.oauth import store
from api.oauth.secrets import hash_secret, unknown_client_hash, verify_secret
from api.oauth.store import PUBLIC_AUTH_METHOD
from api.oauth.throttle import CLIENT, FailureThrottle, Key, Throttled, address_key

# The ``client_id`` column holds 64 characters, and generated secrets are 43: what
# is longer cannot match, and is refused before it reaches the database or scrypt.
MAX_CLIENT_ID_LENGTH = 64
MAX_CLIENT_SECRET_LENGTH = 256
_VSCHAR = re.compile(r"[\x20-\x7e]+")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class ClientAuthRefused(Exception):
    """The request is answered here, with an RFC 6749 §5.2 error body."""

    def __init__(self, status: int, error: str, description: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}
        self.headers = {**_NO_STORE, **(headers or {})}


def invalid_client() -> ClientAuthRefused:
    """The one answer to every failed authentication: unknown id, wrong secret, malformed."""
    return ClientAuthRefused(
        401,
        "invalid_client",
        "Client authentication failed.",
        {"WWW-Authenticate": 'Basic error="invalid_client", error_description="Client authentication failed."'},
    )


def slow_down(retry_after: int) -> ClientAuthRefused:
    return ClientAuthRefused(
        429,
        "slow_down",
        f"Too many failed client authentications; retry after {retry_after} seconds.",
        {"Retry-After": str(retry_after)},
    )


@dataclass(frozen=True)
class Credentials:
    client_id: str
    secret: str
    method: str

    @property
    def well_formed(self) -> bool:
        return (
            len(self.client_id) <= MAX_CLIENT_ID_LENGTH
            and len(self.secret) <= MAX_CLIENT_SECRET_LENGTH
            and _VSCHAR.fullmatch(self.client_id) is not None
            and (self.method == PUBLIC_AUTH_METHOD or _VSCHAR.fullmatch(self.secret) is not None)
        )


def read_credentials(headers: Mapping[str, str], form: FormData) -> Credentials | None:
    """The request's client credentials, by exactly one method; None if it sent none."""
    in_body = [name for name in ("client_id", "client_secret") if name in form]
    for name in in_body:
        if len(form.getlist(name)) > 1:
            raise ClientAuthRefused(400, "invalid_request", f"The parameter {name} must not be repeated.")
    basic = _basic_scheme(headers)
    if basic and in_body:
        raise ClientAuthRefused(
            400,
            "invalid_request",
            "Use one client authentication method per request: HTTP Basic, or client_id and "
            "client_secret in the body, not both.",
        )
    if basic:
        client_id, secret = extract_basic_authorization(headers)
        method = "client_secret_basic"
    elif "client_secret" not in form:
        client_id, secret, method = form.get("client_id"), "", PUBLIC_AUTH_METHOD
        return Credentials(client_id, secret, method) if isinstance(client_id, str) and client_id else None
    else:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        method = "client_secret_post"
    if not isinstance(client_id, str) or not isinstance(secret, str) or not client_id or not secret:
        return None
    return Credentials(client_id, secret, method)


def _basic_scheme(headers: Mapping[str, str]) -> bool:
    authorization = headers.get("Authorization") or ""
    return authorization.split(" ", 1)[0].lower() == "basic"


@dataclass
class SecretVerifier:
    """Verifies client secrets in worker threads, at most ``concurrency`` at once
    across every request of the process (each scrypt holds ~16 MiB).

    ``running``, ``peak`` and ``calls`` count what it did (read by tests).
    """

    concurrency: int
    running: int = 0
    peak: int = 0
    calls: int = 0
    _limiter: CapacityLimiter = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._limiter = CapacityLimiter(self.concurrency)

    async def verify(self, secret: str, stored_hash: str) -> bool:
        # Not abandoned on cancellation: the thread keeps its slot until the hash is done.
        return await to_thread.run_sync(self._verify, secret, stored_hash, limiter=self._limiter)

    async def hash(self, secret: str) -> str:
        """A new hash of ``secret`` (a client created or rotated), in the same bounded pool."""
        return await to_thread.run_sync(hash_secret, secret, limiter=self._limiter)

    def _verify(self, secret: str, stored_hash: str) -> bool:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
        try:
            return verify_secret(secret, stored_hash)
        finally:
            with self._lock:
                self.running -= 1


class ClientAuthenticator:
    def __init__(
        self,
        throttle: FailureThrottle,
        verifier: SecretVerifier,
        find_client: Callable[[str], Awaitable[store.ClientRecord | None]] = store.find_client,
    ) -> None:
        self.throttle = throttle
        self.verifier = verifier
        self.find_client = find_client
        self._unknown_client_hash = unknown_client_hash()

    async def authenticate(
        self, headers: Mapping[str, str], form: FormData, remote_host: str | None
    ) -> tuple[store.ClientRecord, str]:
        """Return the client and the method it used, or raise ``ClientAuthRefused``."""
        credentials = read_credentials(headers, form)
        if credentials is None:
            raise invalid_client()
        keys: list[Key] = [address_key(remote_host)]
        if credentials.well_formed:
            keys.append((CLIENT, credentials.client_id))
        try:
            self.throttle.check(keys)
            if not credentials.well_formed:
                self.throttle.record_failure(keys)
                raise invalid_client()
            await self.throttle.reserve(keys)
        except Throttled as exc:
            raise slow_down(exc.retry_after) from None
        failed = False
        try:
            client = await self.find_client(credentials.client_id)
            if credentials.method == PUBLIC_AUTH_METHOD:
                failed = client is None or not client.is_public
            else:
                stored = client.secret_hash if client and client.secret_hash else self._unknown_client_hash
                matches = await self.verifier.verify(credentials.secret, stored)
                failed = client is None or client.is_public or not matches
        finally:
            self.throttle.settle(keys, failed=failed)
        if client is None or failed:
            raise invalid_client()
        return client, credentials.method
