"""Pure rules: backoff delays, outcome decisions, SMTP URLs."""

from __future__ import annotations

import datetime
import random

from hypothesis import given
from hypothesis import strategies as st

from models.outbox import OutboxStatus
from notifications.retry import Attempt, RetryPolicy, decide
from notifications.smtp import SmtpServer

NOW = datetime.datetime(2026, 1, 31, tzinfo=datetime.UTC)
POLICY = RetryPolicy(max_attempts=3, base_seconds=10, max_seconds=100)


@given(st.integers(min_value=1, max_value=40), st.floats(min_value=0, max_value=1))
def test_the_delay_doubles_per_attempt_with_jitter_and_a_ceiling(attempts, draw):
    ceiling = min(100, 10 * 2 ** (attempts - 1))
    assert ceiling / 2 <= POLICY.delay(attempts, lambda: draw) <= ceiling


def test_jittered_delays_never_shrink_from_one_attempt_to_the_next_below_the_ceiling():
    rng = random.Random(1).random
    for _ in range(200):
        delays = [POLICY.delay(n, rng) for n in range(1, 5)]
        assert delays == sorted(delays)


def decision(attempt: Attempt, attempts: int = 1, delivered=(), refused=None):
    return decide(
        recipients=["a@x.test", "b@x.test"],
        delivered_to=list(delivered),
        refused=dict(refused or {}),
        attempts=attempts,
        attempt=attempt,
        now=NOW,
        policy=POLICY,
        rng=lambda: 0.0,
    )


def test_a_temporary_failure_is_retried_later_until_the_last_attempt():
    first = decision(Attempt(error="451 try later"))
    assert first.status is OutboxStatus.PENDING and first.next_attempt_at == NOW + datetime.timedelta(seconds=5)
    last = decision(Attempt(error="451 try later"), attempts=3)
    assert last.status is OutboxStatus.FAILED and "gave up after 3 attempts: 451 try later" == last.last_error


def test_a_permanent_failure_fails_at_once():
    result = decision(Attempt(error="550 no", permanent=True))
    assert result.status is OutboxStatus.FAILED and result.refused == {"a@x.test": "550 no", "b@x.test": "550 no"}


def test_recipients_that_accepted_are_kept_when_others_are_deferred():
    result = decision(Attempt(accepted=["a@x.test"], deferred={"b@x.test": "452 full"}))
    assert result.status is OutboxStatus.PENDING and result.delivered_to == ["a@x.test"]
    done = decision(Attempt(accepted=["b@x.test"]), attempts=2, delivered=["a@x.test"])
    assert done.status is OutboxStatus.SENT and done.delivered_to == ["a@x.test", "b@x.test"]


def test_smtp_urls_give_tls_mode_port_and_credentials():
    plain = SmtpServer.from_url("smtp://mail.test")
    assert (plain.port, plain.use_tls, plain.start_tls, plain.username) == (25, False, False, None)
    tls = SmtpServer.from_url("smtps://user:p%40ss@mail.test")
    assert (tls.port, tls.use_tls, tls.username, tls.password) == (465, True, "user", "p@ss")
    starttls = SmtpServer.from_url("smtp+starttls://mail.test:2525")
    assert (starttls.port, starttls.start_tls, starttls.use_tls) == (2525, True, False)
    assert "p@ss" not in repr(tls)
