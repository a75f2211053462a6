"""Recording one try: the attempt row, the delivery's new state, the endpoint's failure run.

All in one transaction, and only while the delivery is still claimed by this worker (a
worker whose lease ran out records nothing). A success resets the endpoint's count of
consecutive failed tries; a failure adds one, and the failure that reaches the threshold
disables the endpoint and emails its owners, in the same transaction (the conditional
update lets exactly one failure do it, so the owners get one email per disabling).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from billing import customer_mail
from billing.webhooks.retry import Decision, RetryPolicy, decide, succeeded
from billing.webhooks.sender import Answer
from models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@dataclass(frozen=True)
class Recorded:
    decision: Decision
    disabled: bool


async def record(
    row: WebhookDelivery,
    answer: Answer,
    *,
    attempted_at: datetime.datetime,
    now: datetime.datetime,
    policy: RetryPolicy,
    failure_threshold: int,
    rng: Callable[[], float],
) -> Recorded | None:
    """Store the try of ``row`` that started at ``attempted_at``; None if the claim was lost."""
    async with in_transaction():
        mine = await WebhookDelivery.filter(id=row.id, claimed_by=row.claimed_by).select_for_update().first()
        if mine is None or row.claimed_by is None:
            return None
        await WebhookAttempt.create(
            delivery_id=mine.id, attempted_at=attempted_at, status_code=answer.status_code, error=answer.error,
            duration_ms=answer.duration_ms,
        )
        tries = mine.attempts + 1
        decision = decide(
            status_code=answer.status_code, failures=tries, round_started_at=await _round_start(mine.id, tries),
            now=now, policy=policy, rng=rng,
        )
        mine.status, mine.attempts, mine.claimed_by = decision.status, tries, None
        mine.last_status_code, mine.last_error = answer.status_code, answer.error
        fields = ["status", "attempts", "claimed_by", "last_status_code", "last_error"]
        if decision.next_attempt_at is not None:
            mine.next_attempt_at = decision.next_attempt_at
            fields.append("next_attempt_at")
        if decision.status is DeliveryStatus.SUCCEEDED:
            mine.delivered_at = now
            fields.append("delivered_at")
        await mine.save(update_fields=fields)
        disabled = await _count(mine.endpoint_id, answer, failure_threshold, now)
    return Recorded(decision, disabled)


async def _round_start(delivery_id: int, tries: int) -> datetime.datetime:
    """When the first try of the delivery's current round began (the ``tries``-th newest)."""
    tried = WebhookAttempt.filter(delivery_id=delivery_id)
    first = await tried.order_by("-id").offset(tries - 1).first()
    if first is None:  # tries not recorded (a worker died mid-try): the oldest there is
        first = await tried.order_by("id").first()
    assert first is not None  # this try's row is written first
    return first.attempted_at


async def _count(endpoint_id: int, answer: Answer, threshold: int, now: datetime.datetime) -> bool:
    """Update the endpoint's run of failures; True if this try disabled it."""
    endpoint = WebhookEndpoint.filter(id=endpoint_id)
    if succeeded(answer.status_code):
        await endpoint.update(consecutive_failures=0)
        return False
    await endpoint.update(consecutive_failures=F("consecutive_failures") + 1)
    reason = f"{threshold} failed attempts in a row; the last: {answer.error or 'no answer'}"[:200]
    changed = await WebhookEndpoint.filter(
        id=endpoint_id, disabled_at__isnull=True, consecutive_failures__gte=threshold
    ).update(disabled_at=now, disabled_reason=reason)
    if not changed:
        return False
    await customer_mail.webhook_endpoint_disabled(await WebhookEndpoint.get(id=endpoint_id), threshold)
    return True
