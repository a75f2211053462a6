"""The bodies webhooks post: Standard Webhooks' ``{"type", "timestamp", "data"}``.

``type`` is the event's dotted name (``invoice.issued``), ``timestamp`` when it happened
(UTC, ISO 8601), ``data`` the event's snapshot of the invoice plus its ``sequence`` (the
account's gapless event number, also the change feed's order).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from models.events import InvoiceEvent

TEST_EVENT = "webhook.test"


def timestamp(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def event_payload(event: InvoiceEvent) -> dict[str, Any]:
    return {
        "type": event.type.webhook_name,
        "timestamp": timestamp(event.occurred_at),
        "data": {**event.data, "sequence": event.sequence},
    }


def test_payload(account_id: uuid.UUID, at: datetime.datetime) -> dict[str, Any]:
    return {
        "type": TEST_EVENT,
        "timestamp": timestamp(at),
        "data": {"accountId": str(account_id), "message": "A test event sent on request; nothing happened."},
    }
