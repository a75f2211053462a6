"""The service's clock: the one place date logic asks what day it is."""

from __future__ import annotations

from datetime import UTC, date, datetime


def today_utc() -> date:
    """Today's date in UTC."""
    return datetime.now(UTC).date()
