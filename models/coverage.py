"""Coverages: an account is billed separately for Japan and for the rest of the world."""

from __future__ import annotations

from enum import Enum


class Coverage(str, Enum):
    JP = "JP"
    GLOBAL = "GLOBAL"

    @property
    def currency_code(self) -> str:
        """JP is billed in JPY, GLOBAL in USD (``billing.money.Currency`` by name)."""
        return "JPY" if self is Coverage.JP else "USD"

    @property
    def other(self) -> Coverage:
        return Coverage.GLOBAL if self is Coverage.JP else Coverage.JP
