"""The development mail sink: an SMTP server that writes each message as ``.eml``.

With no ``PORTAL_SMTP_URL`` the worker starts it in-process (``portal worker``),
or run it alone with ``portal mailsink``. Open the files with any mail client.
"""

from __future__ import annotations

import logging
import re
import socket
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port(host: str = "127.0.0.1") -> int:
    """aiosmtpd cannot bind port 0 itself: find a free one first."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class MailDirHandler:
    """aiosmtpd handler: one ``<time>-<message-id>.eml`` file per message received."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        message = message_from_bytes(envelope.content, policy=policy.default)
        ident = re.sub(r"[^A-Za-z0-9.@-]+", "_", str(message.get("Message-ID", "")).strip("<>")) or "no-id"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.mail_dir / f"{stamp}-{ident}.eml"
        envelope_lines = f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(envelope_lines.encode() + envelope.content)
        temporary.replace(path)
        return "250 OK: written to " + path.name


class MailSink:
    """A running sink on ``host:port`` (a free port when none is given)."""

    def __init__(self, mail_dir: Path, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.mail_dir = mail_dir
        self.controller = Controller(MailDirHandler(mail_dir), hostname=host, port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> MailSink:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
