"""The notification outbox: one row per email a use case asked for.

Rows are written in the caller's transaction (``notifications.outbox.enqueue``)
and delivered later by the worker (``notifications.worker``). No business
decisions here: the columns and the queries the worker needs.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class OutboxStatus(str, Enum):
    """Where a message is in its life: waiting, delivered, or given up on."""

    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class OutboxMessage(Model):
    """An email to deliver. Its id is also the stable ``Message-ID`` of the email.

    While a worker holds a message, ``claimed_by`` is that worker's claim token
    and ``next_attempt_at`` is the end of the lease: if the worker dies, the
    message is due again once the lease has passed.
    """

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharField(max_length=64)
    dedup_key = fields.CharField(max_length=255, unique=True)
    account_id = fields.UUIDField(null=True, db_index=True)
    to_addresses: fields.JSONField[list[str]] = fields.JSONField()
    cc_addresses: fields.JSONField[list[str]] = fields.JSONField(default=list)
    language = fields.CharField(max_length=8)
    data: fields.JSONField[dict[str, Any]] = fields.JSONField()
    status = fields.CharEnumField(OutboxStatus, max_length=10, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    delivered_to: fields.JSONField[list[str]] = fields.JSONField(default=list)
    refused: fields.JSONField[dict[str, str]] = fields.JSONField(default=dict)
    next_attempt_at = fields.DatetimeField()
    claimed_by = fields.CharField(max_length=64, null=True)
    sent_at = fields.DatetimeField(null=True)
    # The invoice whose stored document (PDF) of ``attach_kind`` the email carries: the
    # message is not due until that document exists (it is rendered right after issue).
    attach_invoice_id = fields.IntField(null=True)
    attach_kind = fields.CharField(max_length=12, null=True)  # the document's kind (INVOICE, CREDIT_NOTE)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "outbox_messages"
        indexes = (("status", "next_attempt_at"),)

    @property
    def recipients(self) -> list[str]:
        """Every envelope recipient: the To addresses, then the CCs."""
        return [*self.to_addresses, *self.cc_addresses]

    @property
    def undelivered(self) -> list[str]:
        """Recipients the server has neither accepted nor refused for good."""
        done = set(self.delivered_to) | set(self.refused)
        return [address for address in self.recipients if address not in done]
