"""Coverages: an account is billed separately for Japan and for the rest of the world."""

from __future__ import annotations

from enum import Enum

from kit.money import Currency


class Coverage(str, Enum):
    JP = "JP"
    GLOBAL = "GLOBAL"

    @property
    def currency(self) -> Currency:
        """JP is billed in JPY, GLOBAL in USD."""
        return Currency.JPY if self is Coverage.JP else Currency.USD

    @property
    def other(self) -> Coverage:
        return Coverage.GLOBAL if self is Coverage.JP else Coverage.JP
