"""The transactional outbox: use cases store emails here, in their own transaction.

``enqueue`` is called inside the caller's ``async with in_transaction():`` block;
Tortoise routes the model calls to that transaction's connection, so a rolled
back use case leaves no message behind. The worker (``notifications.worker``)
delivers what was committed.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
from tortoise.transactions import in_transaction

from models.outbox import OutboxMessage, OutboxStatus
from notifications.payload import (
    InvalidMessage,
    check_addresses,
    check_kind,
    check_language,
    normalize_data,
)
from notifications.render import render

__all__ = ["InvalidMessage", "RequeueError", "enqueue", "list_messages", "requeue"]

MAX_DEDUP_KEY = 255


class RequeueError(ValueError):
    """The message does not exist (``missing``) or is not ``FAILED``."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def enqueue(
    kind: str,
    *,
    to: Sequence[str],
    cc: Sequence[str] = (),
    language: str,
    data: Mapping[str, Any],
    dedup_key: str,
    account_id: uuid.UUID | None = None,
    attach_invoice_id: int | None = None,
    attach_kind: str | None = None,
) -> OutboxMessage:
    """Store an email to send, in the current transaction.

    The data is validated against the kind's declared fields and the message is
    rendered once, so one that cannot render is refused now (``InvalidMessage``)
    rather than failing at send time. Enqueuing a ``dedup_key`` that is already
    stored returns the stored message unchanged (the first enqueue wins).
    ``attach_invoice_id``, ``attach_kind``: the email carries that invoice's document
    of that kind (``INVOICE``, ``CREDIT_NOTE``) and waits until ``release_attachments``
    is called for it, by the transaction that stores the document. Enqueue it before the
    document exists (as the issuing and voiding transactions do): one enqueued after
    would wait for good.
    """
    check_kind(kind)
    check_language(language)
    to_list, cc_list = check_addresses(to, cc)
    if not dedup_key or len(dedup_key) > MAX_DEDUP_KEY:
        raise InvalidMessage(f"dedup_key must be 1 to {MAX_DEDUP_KEY} characters")
    stored = normalize_data(kind, data)
    try:
        render(kind, language, stored)
    except jinja2.TemplateError as exc:
        raise InvalidMessage(f"{kind} ({language}) does not render: {exc}") from exc
    row = OutboxMessage(
        id=uuid.uuid4(),
        kind=kind,
        dedup_key=dedup_key,
        account_id=account_id,
        to_addresses=to_list,
        cc_addresses=cc_list,
        language=language,
        data=stored,
        attach_invoice_id=attach_invoice_id,
        attach_kind=attach_kind if attach_invoice_id is not None else None,
        status=OutboxStatus.PENDING,
        next_attempt_at=WAITING if attach_invoice_id is not None else _utcnow(),
    )
    # INSERT … ON CONFLICT DO NOTHING (SQLite: INSERT OR IGNORE): a concurrent
    # enqueue of the same key waits for the other transaction, then inserts
    # nothing, instead of aborting the caller's transaction with an error.
    await OutboxMessage.bulk_create([row], ignore_conflicts=True)
    return await OutboxMessage.get(dedup_key=dedup_key)


WAITING = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)
"""The ``next_attempt_at`` of a message that waits for its attachment: never due until
``release_attachments`` says the document is stored (the claim stays a plain index
scan on status and due time)."""


async def release_attachments(invoice_ids: Sequence[int], kind: str, *, now: datetime.datetime | None = None) -> int:
    """Make due now the messages waiting for the ``kind`` documents of ``invoice_ids``
    (just stored); how many. Call in the transaction that stores the documents."""
    if not invoice_ids:
        return 0
    waiting = OutboxMessage.filter(
        status=OutboxStatus.PENDING, attach_invoice_id__in=list(invoice_ids), attach_kind=kind, next_attempt_at=WAITING
    )
    return await waiting.update(next_attempt_at=now or _utcnow())


async def requeue(message_id: uuid.UUID, *, now: datetime.datetime | None = None) -> OutboxMessage:
    """Staff: send a ``FAILED`` message again, from a fresh count of attempts.

    Recipients that already accepted it are not sent it again; recipients that
    refused it for good are tried again (the address may have been fixed).
    """
    async with in_transaction():
        row = await OutboxMessage.filter(id=message_id).select_for_update().first()
        if row is None:
            raise RequeueError(f"no outbox message {message_id}", missing=True)
        if row.status is not OutboxStatus.FAILED:
            raise RequeueError(f"message {message_id} is {row.status.value}; only a FAILED message can be re-queued")
        row.status = OutboxStatus.PENDING
        row.attempts = 0
        row.refused = {}
        row.claimed_by = None
        row.next_attempt_at = now or _utcnow()
        await row.save(update_fields=["status", "attempts", "refused", "claimed_by", "next_attempt_at", "updated_at"])
    return row


async def list_messages(
    status: OutboxStatus | None = None, *, account_id: uuid.UUID | None = None, limit: int = 100
) -> list[OutboxMessage]:
    """The most recent messages, newest first, optionally of one status or account."""
    query = OutboxMessage.all()
    if status is not None:
        query = query.filter(status=status)
    if account_id is not None:
        query = query.filter(account_id=account_id)
    return await query.order_by("-created_at").limit(limit)
