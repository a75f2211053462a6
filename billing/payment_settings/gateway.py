"""The payment gateway interface, and the built-in test gateway (the default).

Card numbers never reach this service: the console tokenises a card with the
gateway and sends the token; the gateway turns it into a stored card (brand,
last 4, expiry, the gateway's reference) and later charges that reference.

The gateway is injected (``Services.payment_gateway`` -> GraphQL context -> use
case), never a module singleton.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from kit.money import Money


@dataclass(frozen=True)
class Card:
    """A card the gateway accepted; ``reference`` is what charges name."""

    brand: str
    last4: str
    exp_month: int
    exp_year: int
    reference: str


@dataclass(frozen=True)
class CardRefused:
    """The gateway would not attach the card. ``code`` is ``CARD_DECLINED``,
    ``CARD_EXPIRED`` or ``INVALID`` (a malformed or unknown token)."""

    code: str
    message: str


@dataclass(frozen=True)
class ChargeResult:
    """The outcome of one charge: ``charge_id`` when it succeeded, else ``error_code``."""

    succeeded: bool
    charge_id: str | None = None
    error_code: str | None = None


class PaymentGateway(Protocol):
    async def attach_card(self, token: str) -> Card | CardRefused:
        """Turn a console token into a stored card, or say why not."""
        ...

    async def charge(self, reference: str, amount: Money, idempotency_key: str) -> ChargeResult:
        """Charge ``amount`` to the card ``reference``. The same ``idempotency_key``
        never charges twice: it answers the first result again."""
        ...


_TOKEN = re.compile(r"tok_([a-z]{2,20})_([0-9]{4})_([0-9]{2})_([0-9]{4})")
_REFERENCE = re.compile(r"card_([a-z]{2,20})_([0-9]{4})_([0-9]{2})([0-9]{4})")
DECLINED_TOKEN = "tok_declined"
DECLINING_BRAND = "declinecharge"


def _today() -> date:
    return datetime.now(UTC).date()


@dataclass
class TestGateway:
    """A deterministic gateway for development and tests.

    - ``tok_<brand>_<last4>_<MM>_<YYYY>`` (e.g. ``tok_visa_4242_12_2030``) attaches
      that card; an expiry before the current month is ``CARD_EXPIRED``.
    - ``tok_declined`` is ``CARD_DECLINED``; anything else is ``INVALID``.
    - ``charge`` succeeds, except on a card whose brand is ``declinecharge``
      (``tok_declinecharge_0002_12_2030``), which is declined (``CARD_DECLINED``).
    """

    __test__ = False  # not a pytest test class

    today: Callable[[], date] = _today
    charges: dict[str, ChargeResult] = field(default_factory=dict)

    async def attach_card(self, token: str) -> Card | CardRefused:
        if token == DECLINED_TOKEN:
            return CardRefused("CARD_DECLINED", "The card was declined by the issuer.")
        match = _TOKEN.fullmatch(token)
        if match is None:
            return CardRefused("INVALID", "The card token is not valid.")
        brand, last4, month, year = match[1], match[2], int(match[3]), int(match[4])
        if not 1 <= month <= 12:
            return CardRefused("INVALID", "The card token has an invalid expiry month.")
        today = self.today()
        if (year, month) < (today.year, today.month):
            return CardRefused("CARD_EXPIRED", "The card has expired.")
        return Card(brand, last4, month, year, f"card_{brand}_{last4}_{month:02d}{year:04d}")

    async def charge(self, reference: str, amount: Money, idempotency_key: str) -> ChargeResult:
        if idempotency_key in self.charges:
            return self.charges[idempotency_key]
        match = _REFERENCE.fullmatch(reference)
        if match is None:
            result = ChargeResult(False, error_code="INVALID")
        elif match[1] == DECLINING_BRAND:
            result = ChargeResult(False, error_code="CARD_DECLINED")
        else:
            result = ChargeResult(True, charge_id=f"ch_{len(self.charges) + 1}_{idempotency_key}")
        self.charges[idempotency_key] = result
        return result
