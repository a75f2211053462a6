"""Staff actions on customer emails (the outbox rows behind them)."""

from __future__ import annotations

import uuid

from billing.caller import Caller
from billing.errors import BusinessError, ErrorCode
from models.outbox import OutboxMessage, OutboxStatus
from notifications.outbox import requeue


async def requeue_email(caller: Caller, message_id: str) -> OutboxMessage:
    """Staff send a ``FAILED`` email again (recipients who got it are skipped)."""
    if not caller.is_staff:
        raise BusinessError.single(ErrorCode.NOT_ALLOWED, "Only staff re-queue emails.")
    try:
        key = uuid.UUID(message_id)
    except ValueError:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such email.", "id") from None
    row = await OutboxMessage.get_or_none(id=key)
    if row is None:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such email.", "id")
    if row.status is not OutboxStatus.FAILED:
        raise BusinessError.single(
            ErrorCode.NOT_ALLOWED, f"The email is {row.status.value}; only a FAILED email can be re-queued.", "id"
        )
    return await requeue(key)
