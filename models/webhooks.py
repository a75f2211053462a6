"""Webhook endpoints of an account and the deliveries of its events to them.

An endpoint receives the account's invoice events (``models.events``) of the types
it chose. The worker copies each new event into one ``WebhookDelivery`` per
endpoint (``last_sequence`` is how far it has copied), then sends deliveries with
retries; each try is a ``WebhookAttempt``. No business decisions here.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.events import InvoiceEvent


class WebhookEndpoint(Model):
    """A URL the account's events are posted to, signed with ``secret`` (Standard
    Webhooks, ``whsec_…``). After a rotation the previous secret also signs until
    ``previous_secret_expires_at``, so a receiver can switch without losing a message."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "portal.Account", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    account_id: UUID
    url = fields.CharField(max_length=2000)
    description = fields.CharField(max_length=200, default="")
    event_types: fields.JSONField[list[str]] = fields.JSONField()
    secret = fields.CharField(max_length=100)
    previous_secret = fields.CharField(max_length=100, null=True)
    previous_secret_expires_at = fields.DatetimeField(null=True)
    last_sequence = fields.BigIntField(default=0)
    consecutive_failures = fields.IntField(default=0)
    disabled_at = fields.DatetimeField(null=True)
    disabled_reason = fields.CharField(max_length=200, null=True)
    created_by = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_endpoints"
        table_description = "A URL an account's invoice events are posted to, signed (Standard Webhooks)"


class DeliveryStatus(str, Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class WebhookDelivery(Model):
    """One message to one endpoint: an event, or a test. ``message_id`` is the
    ``webhook-id`` header, the same on every try and on a redelivery, so a receiver
    handles each message once. ``payload`` is the exact JSON body sent.

    While a worker holds a delivery, ``claimed_by`` is its claim and
    ``next_attempt_at`` the end of the lease (as in the email outbox)."""

    id = fields.IntField(primary_key=True)
    message_id = fields.CharField(max_length=64, unique=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "portal.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: int
    event: fields.ForeignKeyNullableRelation[InvoiceEvent] = fields.ForeignKeyField(
        "portal.InvoiceEvent", related_name="deliveries", on_delete=fields.RESTRICT, null=True
    )
    event_id: int | None
    event_type = fields.CharField(max_length=40)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField()
    status = fields.CharEnumField(DeliveryStatus, max_length=10, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_by = fields.CharField(max_length=64, null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_deliveries"
        table_description = "One message to one webhook endpoint, tried until it succeeds or gives up"
        unique_together = (("endpoint", "event"),)
        indexes = (("status", "next_attempt_at"),)


class WebhookAttempt(Model):
    """One try of a delivery: when, the HTTP status (or why no answer), how long."""

    id = fields.IntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "portal.WebhookDelivery", related_name="attempt_rows", on_delete=fields.CASCADE
    )
    delivery_id: int
    attempted_at = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    error = fields.CharField(max_length=500, null=True)
    duration_ms = fields.IntField()

    class Meta:
        table = "webhook_attempts"
        table_description = "One try of a webhook delivery"
