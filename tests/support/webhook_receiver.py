"""A webhook receiver for tests: a tiny HTTP/1.1 server on a free loopback port
(``asyncio.start_server``), recording every connection and request it gets and answering
as the test says. It verifies nothing itself: ``verified`` checks what it received with
the reference library (``standardwebhooks``), as a partner would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook


@dataclass(frozen=True)
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]

    def verify(self, secret: str) -> Any:
        """The JSON body, if ``secret`` verifies the signature (``WebhookVerificationError`` if not)."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


Respond = Callable[[Received, int], Awaitable[Reply] | Reply]
"""How to answer the n-th request (0-based)."""


def ok(request: Received, index: int) -> Reply:
    return Reply()


class Receiver:
    def __init__(self, respond: Respond = ok) -> None:
        self.respond = respond
        self.connections = 0
        self.requests: list[Received] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Receiver:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    def processed(self, secret: str) -> dict[str, Any]:
        """What a receiver de-duplicating by ``webhook-id`` processes: each verified message
        once, by id (a second copy of an id is dropped)."""
        seen: dict[str, Any] = {}
        for request in self.requests:
            payload = request.verify(secret)
            seen.setdefault(request.message_id, payload)
        return seen

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            request = await self._read(reader)
            if request is None:
                return
            index = len(self.requests)
            self.requests.append(request)
            reply = self.respond(request, index)
            if not isinstance(reply, Reply):
                reply = await reply
            head = [f"HTTP/1.1 {reply.status} Reply", f"Content-Length: {len(reply.body)}", "Connection: close"]
            head += [f"{name}: {value}" for name, value in reply.headers.items()]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + reply.body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Received | None:
        line = await reader.readline()
        if not line:
            return None
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return Received(method, target, headers, body)


def payloads(requests: list[Received]) -> list[dict[str, Any]]:
    return [json.loads(request.body) for request in requests]
