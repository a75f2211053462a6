"""Sending over SMTP with aiosmtplib, and what each server reply means for a message.

One ``SmtpConnection`` carries many mail transactions (a batch). Replies are
classified per RFC 5321: 4xx, a refused connection, a timeout or a disconnect
are temporary; 5xx is permanent, per recipient when the server refuses at RCPT.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiosmtplib

from notifications.retry import Attempt

log = logging.getLogger("notifications.smtp")

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SmtpServer:
    """Where to send: parsed from ``PORTAL_SMTP_URL``."""

    hostname: str
    port: int
    use_tls: bool = False
    start_tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = TIMEOUT_SECONDS

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """``smtp://host:25``, ``smtps://user:pw@host:465`` or ``smtp+starttls://host:587``."""
        parts = urlsplit(url)
        use_tls, start_tls = parts.scheme == "smtps", parts.scheme == "smtp+starttls"
        default_port = 465 if use_tls else 587 if start_tls else 25
        return cls(
            hostname=parts.hostname or "localhost",
            port=parts.port or default_port,
            use_tls=use_tls,
            start_tls=start_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def __repr__(self) -> str:  # never print the password
        return f"SmtpServer({self.hostname}:{self.port}, tls={self.use_tls}, starttls={self.start_tls})"


class ConnectFailed(Exception):
    """The server could not be reached or refused the session (temporary)."""


class SmtpConnection:
    """One SMTP session; ``send`` never raises for what the server says."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self.client = aiosmtplib.SMTP(
            hostname=server.hostname,
            port=server.port,
            use_tls=server.use_tls,
            start_tls=server.start_tls,
            username=server.username,
            password=server.password,
            timeout=server.timeout,
        )

    async def open(self) -> SmtpConnection:
        try:
            await self.client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ConnectFailed(_describe(exc)) from exc
        return self

    @property
    def alive(self) -> bool:
        return self.client.is_connected

    async def send(self, content: bytes, sender: str, recipients: list[str]) -> Attempt:
        """One mail transaction; what the server said, per recipient where it said so."""
        try:
            errors, _ = await self.client.sendmail(sender, recipients, content)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            attempt = Attempt()
            for refusal in exc.recipients:
                _sort_refusal(attempt, refusal.recipient, refusal.code, refusal.message)
            return attempt
        except aiosmtplib.SMTPResponseException as exc:
            lost = exc.code == 421 or not self.client.is_connected
            return Attempt(error=_describe(exc), permanent=exc.code >= 500, connection_lost=lost)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return Attempt(error=_describe(exc), connection_lost=True)
        attempt = Attempt(accepted=[r for r in recipients if r not in errors])
        for recipient, response in errors.items():
            _sort_refusal(attempt, recipient, response.code, response.message)
        return attempt

    async def close(self) -> None:
        if not self.client.is_connected:
            return
        try:
            await self.client.quit()
        except (aiosmtplib.SMTPException, OSError):
            self.client.close()


def _sort_refusal(attempt: Attempt, recipient: str, code: int, message: str) -> None:
    reply = f"{code} {message}"
    (attempt.refused if code >= 500 else attempt.deferred)[recipient] = reply


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
