"""Registering credit cards through the (injected) test gateway."""

from __future__ import annotations

from datetime import date

from billing.payment_settings.cards import record_card_error
from billing.payment_settings.gateway import TestGateway
from models.coverage import Coverage
from tests.support.payment import (
    OWNER_SCOPES,
    REGISTER_CARD,
    SETTINGS,
    invoice_coverage,
    payload,
)


async def register(gql, token, coverage, token_value, **extra):
    variables = {"input": {"coverage": coverage, "token": token_value, "receiptEmail": "cards@acme.test", **extra}}
    return payload(await gql(REGISTER_CARD, token, variables), "registerCreditCard")


async def test_a_card_is_registered_and_replaced(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    first = await register(gql, owner, "GLOBAL", "tok_visa_4242_12_2030")
    assert first["errors"] == []
    assert first["paymentSettings"]["paymentMethod"] == "CREDIT_CARD"
    assert first["paymentSettings"]["creditCard"] == {
        "brand": "visa", "last4": "4242", "expMonth": 12, "expYear": 2030, "errorCode": None,
        "receiptEmail": "cards@acme.test", "receiptLanguage": "EN",
    }
    second = await register(gql, owner, "GLOBAL", "tok_mastercard_4444_01_2031")
    assert second["paymentSettings"]["creditCard"]["last4"] == "4444"
    jp = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")
    assert jp["paymentMethod"] is None and jp["creditCard"] is None and jp["currency"] == "JPY"


async def test_declined_malformed_and_expired_tokens_keep_the_previous_card(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    await register(gql, owner, "JP", "tok_visa_4242_12_2030")
    for token_value, code in [
        ("tok_declined", "CARD_DECLINED"),
        ("tok_visa_1234", "INVALID"),
        ("tok_visa_1111_01_2020", "CARD_EXPIRED"),
    ]:
        refused = await register(gql, owner, "JP", token_value)
        assert refused["paymentSettings"] is None
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [(code, "token")]
    current = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")
    assert current["creditCard"]["last4"] == "4242"


async def test_the_gateway_is_injected_through_services(gql, token_for, account, services):
    services.payment_gateway = TestGateway(today=lambda: date(2031, 6, 1))
    owner = await token_for("owner", OWNER_SCOPES)
    refused = await register(gql, owner, "JP", "tok_visa_4242_12_2030")
    assert [e["code"] for e in refused["errors"]] == ["CARD_EXPIRED"]


async def test_switching_from_invoice_to_card_needs_confirmation(gql, token_for, account):
    await invoice_coverage(gql, token_for, "JP")
    owner = await token_for("owner", OWNER_SCOPES)
    refused = await register(gql, owner, "JP", "tok_visa_4242_12_2030")
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("SWITCH_NOT_CONFIRMED", "confirmSwitchFromInvoice")]
    still = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")
    assert still["paymentMethod"] == "INVOICE" and still["creditCard"] is None

    switched = await register(gql, owner, "JP", "tok_visa_4242_12_2030", confirmSwitchFromInvoice=True)
    assert switched["errors"] == []
    assert switched["paymentSettings"]["paymentMethod"] == "CREDIT_CARD"
    assert switched["paymentSettings"]["invoiceProfile"] is None


async def test_a_card_in_error_shows_its_code_until_another_card_is_registered(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    await register(gql, owner, "GLOBAL", "tok_declinecharge_0002_12_2030")
    await record_card_error(account.id, Coverage.GLOBAL, "CARD_DECLINED")
    shown = payload(await gql(SETTINGS, owner, {"coverage": "GLOBAL"}), "paymentSettings")
    assert shown["creditCard"]["errorCode"] == "CARD_DECLINED"
    replaced = await register(gql, owner, "GLOBAL", "tok_visa_4242_12_2030")
    assert replaced["paymentSettings"]["creditCard"]["errorCode"] is None


async def test_the_first_card_needs_a_receipt_address_and_later_cards_keep_it(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    missing = await register(gql, owner, "GLOBAL", "tok_visa_4242_12_2030", receiptEmail=None)
    assert [(e["code"], e["field"]) for e in missing["errors"]] == [("REQUIRED", "receiptEmail")]
    assert missing["paymentSettings"] is None
    bad = await register(gql, owner, "GLOBAL", "tok_visa_4242_12_2030", receiptEmail="not-an-address")
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [("INVALID", "receiptEmail")]

    first = await register(gql, owner, "JP", "tok_visa_4242_12_2030", receiptEmail="ap@acme.test")
    card = first["paymentSettings"]["creditCard"]
    assert (card["receiptEmail"], card["receiptLanguage"]) == ("ap@acme.test", "JA")
    later = await register(gql, owner, "JP", "tok_visa_5555_12_2031", receiptEmail=None, receiptLanguage="EN")
    card = later["paymentSettings"]["creditCard"]
    assert (card["last4"], card["receiptEmail"], card["receiptLanguage"]) == ("5555", "ap@acme.test", "EN")
