"""The retry schedule and when a delivery is given up: pure, no database."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from billing.webhooks.retry import RetryPolicy, decide, schedule
from models.webhooks import DeliveryStatus

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
DEFAULT = RetryPolicy()


def at_most(value: float) -> Callable[[], float]:
    """An rng that always returns ``value``."""
    return lambda: value


def test_the_default_schedule_grows_to_ten_hours_and_stops_within_three_days() -> None:
    waits = schedule(DEFAULT)
    assert waits[:6] == [5, 30, 180, 1080, 6480, 36000]
    assert set(waits[5:]) == {36000}
    assert sum(waits) <= 3 * 86400 < sum(waits) + 36000
    assert len(waits) + 1 == 12  # tries in a round that always fails: the first and one after each wait


def test_a_2xx_answer_delivers_whatever_the_round() -> None:
    for code in (200, 201, 204, 299):
        decision = decide(status_code=code, failures=9, round_started_at=START, now=START, policy=DEFAULT,
                          rng=at_most(1.0))
        assert decision.status is DeliveryStatus.SUCCEEDED and decision.next_attempt_at is None


def test_other_answers_and_no_answer_are_retried_after_the_backoff() -> None:
    for code in (None, 199, 301, 302, 400, 410, 500, 503):
        decision = decide(status_code=code, failures=2, round_started_at=START, now=START, policy=DEFAULT,
                          rng=at_most(1.0))
        assert decision == decision.__class__(DeliveryStatus.PENDING, START + datetime.timedelta(seconds=30)), code


def test_a_delivery_is_given_up_when_its_next_try_would_fall_past_the_window() -> None:
    late = START + datetime.timedelta(days=3, hours=-10)  # the next try lands exactly at the window's end
    retried = decide(status_code=500, failures=8, round_started_at=START, now=late, policy=DEFAULT, rng=at_most(1.0))
    assert retried.status is DeliveryStatus.PENDING
    later = late + datetime.timedelta(seconds=1)
    given_up = decide(status_code=500, failures=9, round_started_at=START, now=later, policy=DEFAULT,
                      rng=at_most(1.0))
    assert given_up.status is DeliveryStatus.FAILED and given_up.next_attempt_at is None


@given(
    base=st.floats(0.01, 3600), cap_factor=st.floats(1, 1000), failures=st.integers(1, 10_000),
    rng=st.floats(0, 1),
)
def test_every_wait_is_between_four_fifths_and_all_of_its_capped_ceiling(
    base: float, cap_factor: float, failures: int, rng: float
) -> None:
    policy = RetryPolicy(base_seconds=base, max_seconds=base * cap_factor)
    wait = policy.delay(failures, lambda: rng)
    assert 0.8 * min(policy.max_seconds, base) <= wait <= policy.max_seconds * (1 + 1e-9)
    assert policy.delay(failures + 1, at_most(1.0)) >= policy.delay(failures, at_most(1.0))
