"""Payloads of the emails mutations."""

from __future__ import annotations

import strawberry

from schema.emails.types import EmailNotification
from schema.errors import Payload


@strawberry.type(description="The result of requeueEmail.")
class RequeueEmailPayload(Payload):
    notification: EmailNotification | None = strawberry.field(description="The email, PENDING again.")
