"""A real SMTP server for tests: aiosmtpd on a free loopback port."""

from __future__ import annotations

import asyncio
import functools
import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


def free_port() -> int:
    """aiosmtpd cannot bind port 0 itself: find a free one first."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    content: bytes

    @functools.cached_property
    def message(self) -> EmailMessage:
        """Parsed on first use: parsing in the server would slow every reply."""
        return message_from_bytes(self.content, policy=policy.default)  # type: ignore[return-value]


@dataclass
class _Recorder:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


class SmtpSink:
    def __init__(self, handler: Any | None = None) -> None:
        self.port = free_port()
        self.recorder = _Recorder()
        self.controller = Controller(handler or self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self.recorder.lock:
            return list(self.recorder.received)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


# --- Fault injection ------------------------------------------------------------
# A server that misbehaves the way real ones do: temporary 451 replies, dropped
# connections in the middle of DATA, permanent refusals (per recipient or per
# transaction), slowness. Faults are drawn from a seeded random generator so a
# failing run can be replayed.

@dataclass
class Faults:
    temporary_rate: float = 0.0  # share of transactions answered 451 after DATA
    drop_rate: float = 0.0  # share of transactions whose connection is dropped mid-DATA
    refuse_recipients: dict[str, str] = field(default_factory=dict)  # address -> reply at RCPT
    data_reply: str | None = None  # reply to every DATA instead of 250 (e.g. "550 5.7.1 …")
    mail_delay: float = 0.0  # seconds the server takes to answer MAIL FROM
    seed: int = 1


@dataclass
class Event:
    """One thing the server saw, stamped with the test's clock."""

    message_id: str | None
    outcome: str  # "accepted", "451", "dropped", "refused"
    at: Any


class FaultyRecorder(_Recorder):
    def __init__(self, faults: Faults, stamp: Callable[[], Any]) -> None:
        super().__init__()
        self.faults = faults
        self.stamp = stamp
        self.random = random.Random(faults.seed)
        self.events: list[Event] = []
        self.mail_started = threading.Event()  # set while a MAIL FROM is being answered (slowly)

    def note(self, message_id: str | None, outcome: str) -> None:
        with self.lock:
            self.events.append(Event(message_id, outcome, self.stamp()))

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.faults.mail_delay:
            self.mail_started.set()
            await asyncio.sleep(self.faults.mail_delay)
            self.mail_started.clear()
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.faults.refuse_recipients:
            return self.faults.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = message_from_bytes(envelope.content.split(b"\r\n\r\n", 1)[0])  # compat32: fast
        message_id = headers.get("Message-ID")
        if self.faults.data_reply:
            self.note(message_id, "refused")
            return self.faults.data_reply
        if self.random.random() < self.faults.temporary_rate:
            self.note(message_id, "451")
            return "451 4.3.0 Temporary failure, try again later"
        self.note(message_id, "accepted")
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def should_drop(self) -> bool:
        return self.random.random() < self.faults.drop_rate


class _DroppingSMTP(SMTP):
    """Drops the connection in the middle of DATA, after the Message-ID line."""

    recorder: FaultyRecorder

    async def smtp_DATA(self, arg: str) -> None:
        if not self.envelope or not self.envelope.rcpt_tos or not self.recorder.should_drop():
            return await super().smtp_DATA(arg)
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        while True:
            line = await self._reader.readuntil(b"\r\n")
            if line.lower().startswith(b"message-id:") or line == b".\r\n":
                break
        self.recorder.note(line.split(b":", 1)[-1].strip().decode() if b":" in line else None, "dropped")
        self.transport.close()
        await asyncio.sleep(3600)  # connection_lost cancels this; nothing buffered is read as a command


class _FaultyController(Controller):
    def factory(self) -> SMTP:
        server = _DroppingSMTP(self.handler, **self.SMTP_kwargs)
        server.recorder = self.handler
        return server


class FaultySmtpSink(SmtpSink):
    """An SMTP server with injected faults; ``start()`` later to simulate one that is down."""

    def __init__(self, faults: Faults, stamp: Callable[[], Any] = lambda: None) -> None:
        self.port = free_port()
        self.recorder = FaultyRecorder(faults, stamp)
        self.controller = _FaultyController(self.recorder, hostname="127.0.0.1", port=self.port)
        self.started = False

    @property
    def events(self) -> list[Event]:
        with self.recorder.lock:
            return list(self.recorder.events)

    def start(self) -> None:
        self.controller.start()
        self.started = True

    def stop(self) -> None:
        if self.started:
            self.controller.stop()
            self.started = False
