"""Posting one try of a delivery: checked destination, pinned address, signed, bounded.

Before each try the destination is checked again and the request goes to the address
that was checked (``destinations.Target``): the URL's host travels as the ``Host`` header
and as the TLS server name (httpx's ``sni_hostname`` extension), so the certificate is
still checked against it. Redirects are not followed (a 3xx is a failed try), proxies from
the environment are ignored, connections are not reused (one pinned connection per try),
at most ``BODY_CAP`` bytes of the answer are read, and the whole try is bounded by the
timeout.
"""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from billing.webhooks import signing
from billing.webhooks.destinations import Destinations, Refused

BODY_CAP = 1024
"""Bytes of an answer read at most (a short excerpt of a failure is kept)."""
EXCERPT = 200
MAX_ERROR = 500


@dataclass(frozen=True)
class Answer:
    """What one try got: an HTTP status, or why there was none (or why it failed)."""

    status_code: int | None
    error: str | None
    duration_ms: int


def http_client(timeout_seconds: float, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The client every try goes through (one per worker loop)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
        transport=transport,
    )


class Sender:
    def __init__(
        self,
        client: httpx.AsyncClient,
        destinations: Destinations,
        timeout_seconds: float,
        *,
        clock: Callable[[], datetime.datetime],
    ) -> None:
        self.client = client
        self.destinations = destinations
        self.timeout_seconds = timeout_seconds
        self.clock = clock

    async def send(self, url: str, message_id: str, text: str, keys: list[str]) -> Answer:
        started = time.monotonic()

        def answer(status_code: int | None, error: str | None) -> Answer:
            duration = int((time.monotonic() - started) * 1000)
            return Answer(status_code, error[:MAX_ERROR] if error else None, duration)

        try:
            target = await self.destinations.check(url)
        except Refused as exc:
            return answer(None, f"destination refused: {exc.message}")
        headers = {**signing.headers(message_id, text, keys, self.clock()), "host": target.url.host_header}
        extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
        try:
            async with asyncio.timeout(self.timeout_seconds):
                request = self.client.build_request(
                    "POST", target.request_url, content=text.encode(), headers=headers, extensions=extensions
                )
                response = await self.client.send(request, stream=True)
                try:
                    excerpt = await _read_capped(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            return answer(None, f"no answer within {self.timeout_seconds:g} s")
        except httpx.HTTPError as exc:
            return answer(None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        code = response.status_code
        if 300 <= code < 400:
            return answer(code, "redirect not followed")
        if 200 <= code < 300:
            return answer(code, None)
        return answer(code, f"HTTP {code}" + (f": {excerpt}" if excerpt else ""))


async def _read_capped(response: httpx.Response) -> str:
    """At most ``BODY_CAP`` bytes of the body, as a one-line printable excerpt."""
    data = b""
    async for chunk in response.aiter_raw():
        data += chunk
        if len(data) >= BODY_CAP:
            break
    text = data[:BODY_CAP].decode("utf-8", "replace")
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:EXCERPT]
