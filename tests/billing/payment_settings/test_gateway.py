"""The built-in test gateway: the token rules the issue documents, and charges."""

from __future__ import annotations

from datetime import date

import pytest

from billing.payment_settings.gateway import Card, CardRefused, TestGateway
from kit.money import Currency, Money


def gateway() -> TestGateway:
    return TestGateway(today=lambda: date(2026, 11, 22))


async def test_a_well_formed_token_attaches_that_card():
    card = await gateway().attach_card("tok_visa_4242_12_2030")
    assert card == Card("visa", "4242", 12, 2030, "card_visa_4242_122030")


async def test_a_card_expiring_this_month_is_still_accepted():
    assert isinstance(await gateway().attach_card("tok_visa_4242_11_2026"), Card)


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("tok_declined", "CARD_DECLINED"),
        ("tok_visa_4242_10_2026", "CARD_EXPIRED"),
        ("tok_visa_4242_13_2030", "INVALID"),
        ("tok_visa_42_12_2030", "INVALID"),
        ("4242424242424242", "INVALID"),
        ("", "INVALID"),
    ],
)
async def test_refused_tokens_say_why(token, code):
    result = await gateway().attach_card(token)
    assert isinstance(result, CardRefused) and result.code == code


async def test_a_charge_succeeds_once_per_idempotency_key():
    gw = gateway()
    card = await gw.attach_card("tok_visa_4242_12_2030")
    amount = Money.of_minor_units(5000, Currency.JPY)
    first = await gw.charge(card.reference, amount, "inv-1")
    again = await gw.charge(card.reference, amount, "inv-1")
    other = await gw.charge(card.reference, amount, "inv-2")
    assert first.succeeded and first == again
    assert other.charge_id != first.charge_id


async def test_a_declinecharge_card_is_declined_when_charged():
    gw = gateway()
    card = await gw.attach_card("tok_declinecharge_0002_12_2030")
    result = await gw.charge(card.reference, Money.of_minor_units(100, Currency.USD), "inv-9")
    assert not result.succeeded and result.error_code == "CARD_DECLINED"


async def test_an_unknown_reference_is_not_charged():
    result = await gateway().charge("pm_elsewhere", Money.of_minor_units(100, Currency.USD), "inv-10")
    assert not result.succeeded and result.error_code == "INVALID"
