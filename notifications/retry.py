"""What happens to a message after one delivery attempt: pure decisions.

- Every recipient accepted (or refused for good): done. ``SENT`` if at least one
  recipient accepted it, ``FAILED`` if none did.
- Some recipients still pending after a temporary failure (4xx, refused
  connection, disconnect): retried later, *only to those recipients*, so the ones
  that accepted it never get a second copy. After ``max_attempts`` attempts the
  message is ``FAILED`` (``delivered_to`` still shows who got it).
- Delay before attempt n+1: exponential, ``base * 2**(n-1)`` capped at
  ``max_seconds``, with "equal jitter" (between half and all of it) so that
  messages failed together do not come back together.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from models.outbox import OutboxStatus


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 30.0
    max_seconds: float = 3600.0

    def delay(self, attempts: int, rng: Callable[[], float]) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        return ceiling / 2 + rng() * ceiling / 2


@dataclass
class Attempt:
    """What the SMTP server said to one attempt (see ``notifications.smtp``)."""

    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # permanent, per recipient
    deferred: dict[str, str] = field(default_factory=dict)  # temporary, per recipient
    error: str | None = None  # the whole transaction failed (temporarily unless ``permanent``)
    permanent: bool = False
    connection_lost: bool = False


@dataclass(frozen=True)
class Decision:
    status: OutboxStatus
    delivered_to: list[str]
    refused: dict[str, str]
    last_error: str | None
    next_attempt_at: datetime.datetime | None = None


def decide(
    *,
    recipients: list[str],
    delivered_to: list[str],
    refused: dict[str, str],
    attempts: int,
    attempt: Attempt,
    now: datetime.datetime,
    policy: RetryPolicy,
    rng: Callable[[], float],
) -> Decision:
    delivered = [*delivered_to, *(a for a in attempt.accepted if a not in delivered_to)]
    refused = {**refused, **attempt.refused}
    remaining = [r for r in recipients if r not in delivered and r not in refused]
    if attempt.error and attempt.permanent:
        refused.update({r: attempt.error for r in remaining})
        remaining = []
    error = _summary(attempt, refused)
    if not remaining:
        status = OutboxStatus.SENT if delivered else OutboxStatus.FAILED
        return Decision(status, delivered, refused, error)
    if attempts >= policy.max_attempts:
        return Decision(OutboxStatus.FAILED, delivered, refused, f"gave up after {attempts} attempts: {error}")
    when = now + datetime.timedelta(seconds=policy.delay(attempts, rng))
    return Decision(OutboxStatus.PENDING, delivered, refused, error, when)


def _summary(attempt: Attempt, refused: dict[str, str]) -> str | None:
    parts = []
    if attempt.error:
        parts.append(attempt.error)
    parts += [f"{address}: {reply}" for address, reply in attempt.deferred.items()]
    parts += [f"{address} refused: {reply}" for address, reply in refused.items()]
    return "; ".join(parts) or None
