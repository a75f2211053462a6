"""Draining: the stretch between SIGTERM and the end of ``portal serve``.

``Drain`` is the flag ``/readyz`` reads (503 from the signal on, so a load balancer sends
the next requests elsewhere) and ``CloseWhenDraining`` answers every request meanwhile
with ``Connection: close``, so a client holding a keep-alive connection opens its next
one elsewhere instead of reusing a connection the server is about to close. The runner
(``api.serving``) sets the flag; nothing here knows about signals or uvicorn.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class Drain:
    """Set once, when the process is asked to stop; never cleared."""

    active: bool = False

    def begin(self) -> None:
        self.active = True


class CloseWhenDraining:
    """ASGI middleware: while draining, every HTTP response says ``Connection: close``."""

    def __init__(self, app: ASGIApp, drain: Drain) -> None:
        self.app = app
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and self.drain.active:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send_closing)
