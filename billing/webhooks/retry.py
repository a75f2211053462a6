"""When a delivery is tried again, and when it is given up: pure decisions.

* A 2xx answer delivers it (``SUCCEEDED``). Anything else (another status, a redirect, a
  timeout, a refused destination) is a failed try.
* After the n-th failed try the next one waits ``base * 6**(n-1)`` seconds, capped at
  ``max``, less up to a fifth at random so that deliveries failed together do not come back
  together. With the defaults (5 s, 10 h): 5 s, 30 s, 3 min, 18 min, 1.8 h, then every 10 h.
* Tries go on while the next one would still fall within ``window`` seconds of the first
  try of the round (3 days by default); then the delivery is ``FAILED``. A redelivery on
  request starts a new round.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from models.webhooks import DeliveryStatus

GROWTH = 6
"""Each wait is this many times the one before (until the cap)."""


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 5.0
    max_seconds: float = 36_000.0
    window_seconds: float = 259_200.0

    def delay(self, failures: int, rng: Callable[[], float]) -> float:
        """Seconds to wait after the ``failures``-th failed try of a round."""
        ceiling = min(self.max_seconds, self.base_seconds * float(GROWTH ** min(max(failures - 1, 0), 30)))
        return ceiling * (0.8 + 0.2 * rng())


@dataclass(frozen=True)
class Decision:
    status: DeliveryStatus
    next_attempt_at: datetime.datetime | None = None


def succeeded(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def decide(
    *,
    status_code: int | None,
    failures: int,
    round_started_at: datetime.datetime,
    now: datetime.datetime,
    policy: RetryPolicy,
    rng: Callable[[], float],
) -> Decision:
    """The delivery's state after a try answered ``status_code`` (None: no answer) at
    ``now``; ``failures`` counts the failed tries of this round, this one included."""
    if succeeded(status_code):
        return Decision(DeliveryStatus.SUCCEEDED)
    when = now + datetime.timedelta(seconds=policy.delay(failures, rng))
    if when > round_started_at + datetime.timedelta(seconds=policy.window_seconds):
        return Decision(DeliveryStatus.FAILED)
    return Decision(DeliveryStatus.PENDING, when)


def schedule(policy: RetryPolicy) -> list[float]:
    """The waits between the tries of a round that always fails, without the random part
    (the documentation's table; a test keeps it true)."""
    waits: list[float] = []
    elapsed = 0.0
    while True:
        wait = min(policy.max_seconds, policy.base_seconds * float(GROWTH ** min(len(waits), 30)))
        if elapsed + wait > policy.window_seconds:
            return waits
        waits.append(wait)
        elapsed += wait
