"""The service's clock: the one place date logic asks what day it is.

Everything that depends on the date (PAST_DUE, the daily billing run, the day a
run issues for, card expiry in the test gateway) reads ``Clock.today()``. Token
times are instants checked by the OAuth code and are not on this clock.

In development and tests the day can be fixed (``PORTAL_CLOCK=2027-02-01``), and
billing runs may simulate any day; in production the clock is the system's and a
run is for today only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime


def today_utc() -> date:
    """Today's date in UTC, from the system clock."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Clock:
    """``fixed``: the day it always is (development and tests only).
    ``simulation_allowed``: billing runs may be asked for another day than today."""

    fixed: date | None = None
    simulation_allowed: bool = False

    def today(self) -> date:
        return self.fixed if self.fixed is not None else today_utc()
