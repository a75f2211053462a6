"""Rendering a stored message into an email: Jinja2 templates, locale filters, headers.

The same outbox row always renders to the same email (Message-ID from the row's
id, Date from its creation), so a receiver can drop a repeat.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from notifications.formatting import format_date, format_money

if TYPE_CHECKING:
    from models.outbox import OutboxMessage

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Attachment:
    """A file an email carries (``application/<subtype>``)."""

    filename: str
    content: bytes
    subtype: str = "pdf"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@jinja2.pass_context
def _money_filter(context: Any, value: Any) -> str:
    return format_money(value, context["language"])


@jinja2.pass_context
def _date_filter(context: Any, value: Any) -> str:
    return format_date(value, context["language"])


@functools.cache
def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money_filter
    env.filters["date"] = _date_filter
    return env


def render(kind: str, language: str, data: dict[str, Any], console_url: str = "") -> Rendered:
    """Subject, text and HTML of ``kind`` in ``language`` (data as stored: JSON-safe);
    ``console_url`` is where the console is, for links (empty: no link).

    Raises ``jinja2.TemplateError`` (e.g. a missing template or an undefined name).
    """

    def one(name: str, autoescape: bool) -> str:
        template = _environment(autoescape).get_template(f"{kind}/{name}")
        return template.render(**data, language=language, console_url=console_url)

    subject = " ".join(one(f"subject.{language}.txt", False).split())
    return Rendered(subject, one(f"body.{language}.txt", False), one(f"body.{language}.html", True))


def envelope_sender(mail_from: str) -> str:
    """The bare address of ``PORTAL_MAIL_FROM`` (``billing@portal.invalid``), for MAIL FROM."""
    return parseaddr(mail_from)[1] or mail_from


def message_id(outbox_id: uuid.UUID, mail_from: str) -> str:
    """``<outbox-id@domain-of-From>``: stable across every attempt of one message."""
    domain = envelope_sender(mail_from).rpartition("@")[2] or "portal.invalid"
    return f"<{outbox_id}@{domain}>"


def compose(
    row: OutboxMessage, mail_from: str, attachments: Sequence[Attachment] = (), console_url: str = ""
) -> bytes:
    """The email for an outbox row (``models.outbox.OutboxMessage``), ready for DATA,
    with ``attachments`` (a ``multipart/mixed`` around the text and HTML then).

    Built with the fast compat32 MIME classes. Everything in it derives from the
    row and its attachments (Message-ID, Date from ``created_at``, even the MIME
    boundaries), so each attempt sends the same bytes.
    """
    rendered = render(row.kind, row.language, row.data, console_url)
    body = MIMEMultipart("alternative", boundary=f"=_{row.id.hex}")
    body.attach(MIMEText(rendered.text, "plain", "utf-8"))
    body.attach(MIMEText(rendered.html, "html", "utf-8"))
    message: MIMEMultipart = body
    if attachments:
        message = MIMEMultipart("mixed", boundary=f"=_{row.id.hex}_mixed")
        message.attach(body)
        for attachment in attachments:
            part = MIMEApplication(attachment.content, attachment.subtype)
            part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
            message.attach(part)
    message["Message-ID"] = message_id(row.id, mail_from)
    message["Date"] = format_datetime(row.created_at)
    name, address = parseaddr(mail_from)
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = ", ".join(row.to_addresses)
    if row.cc_addresses:
        message["Cc"] = ", ".join(row.cc_addresses)
    # typeshed types MIME headers as str only; the compat32 policy these classes use also takes a Header.
    subject = Header(rendered.subject, "utf-8") if not rendered.subject.isascii() else rendered.subject
    message["Subject"] = subject  # type: ignore[assignment]
    message["Content-Language"] = row.language
    message["Auto-Submitted"] = "auto-generated"
    return message.as_bytes()
