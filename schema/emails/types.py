from __future__ import annotations

from datetime import datetime

import strawberry

from models.outbox import OutboxMessage
from schema.emails.enums import OutboxStatus


@strawberry.type(name="EmailNotification", description="One email sent to the customer, and how its delivery went.")
class EmailNotification:
    id: strawberry.ID = strawberry.field(description="The email's id (also its Message-ID, before the @).")
    status: OutboxStatus = strawberry.field(description="Pending, sent or failed.")
    sent_at: datetime | None = strawberry.field(description="When the mail server accepted it (UTC).")
    recipients: list[str] = strawberry.field(description="The addresses it is sent to, CCs included.")
    attempts: int = strawberry.field(description="Delivery attempts made so far.")
    last_error: str | None = strawberry.field(description="The mail server's last refusal or the last failure, if any.")

    @classmethod
    def from_model(cls, row: OutboxMessage) -> EmailNotification:
        return cls(
            id=strawberry.ID(str(row.id)), status=row.status, sent_at=row.sent_at,
            recipients=[*row.to_addresses, *row.cc_addresses], attempts=row.attempts, last_error=row.last_error,
        )
