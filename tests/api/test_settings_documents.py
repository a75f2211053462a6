"""The settings printed on invoice documents (issuer, bank account), the console URL
and the download link secret: sample defaults in development, refused in production."""

from __future__ import annotations

import pytest

from api.oauth.keys import generate_signing_key
from api.services import Services, billing_policy, document_link_secret
from api.settings import SAMPLE_BANK, Settings, SettingsError
from billing.policy import AccountType, BankAccount
from tests.support.documents import OWN_PRINTED_VALUES, PRODUCTION_ENV


def test_development_prints_the_sample_bank_and_links_to_the_built_in_console() -> None:
    settings = Settings.from_env({"PORTAL_ISSUER": "http://localhost:9000/"})
    assert billing_policy(settings).bank == BankAccount("サンプル銀行", "サンプル支店", AccountType.ORDINARY, "0000000", "ｻﾝﾌﾟﾙ ｺｳｻﾞ")
    assert settings.console == "http://localhost:9000/console/"
    assert settings.document_link_secret is None


def test_the_bank_and_console_come_from_the_environment() -> None:
    settings = Settings.from_env({**OWN_PRINTED_VALUES, "PORTAL_CONSOLE_URL": "https://console.example.com/app"})
    policy = billing_policy(settings)
    assert policy.bank == BankAccount("みずほ銀行", "渋谷支店", AccountType.CHECKING, "7654321", "ｶ)ｱｸﾒｸﾗｳﾄﾞ")
    assert policy.issuer() == {"name": "Acme Cloud K.K.", "registration_number": "T9234567890123"}
    assert settings.console == "https://console.example.com/app/"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORTAL_BANK_ACCOUNT_TYPE", "SAVINGS"),
        ("PORTAL_BANK_ACCOUNT_NUMBER", "12345"),
        ("PORTAL_BANK_ACCOUNT_NUMBER", "１２３４５６７"),
        ("PORTAL_BANK_ACCOUNT_HOLDER", "Acme Cloud"),
        ("PORTAL_BANK_ACCOUNT_HOLDER", "ｱｸﾒ;DROP"),
        ("PORTAL_ISSUER_REGISTRATION_NUMBER", "T1234567890123"),
        ("PORTAL_ISSUER_REGISTRATION_NUMBER", "7000012050002"),
        ("PORTAL_CONSOLE_URL", "console.example.com"),
        ("PORTAL_DOCUMENT_LINK_SECRET", "too-short"),
    ],
)
def test_a_bad_value_names_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    assert raised.value.variable == variable


def test_full_width_kana_and_a_checking_account_are_accepted() -> None:
    settings = Settings.from_env({"PORTAL_BANK_ACCOUNT_HOLDER": "カ）アクメクラウド", "PORTAL_BANK_ACCOUNT_TYPE": "CHECKING"})
    assert (settings.bank_account_holder, settings.bank_account_type) == ("カ）アクメクラウド", "CHECKING")


def test_production_starts_with_its_own_issuer_and_bank() -> None:
    settings = Settings.from_env(PRODUCTION_ENV)
    assert (settings.issuer_name, settings.bank_account_number) == ("Acme Cloud K.K.", "7654321")


@pytest.mark.parametrize("variable", list(OWN_PRINTED_VALUES))
def test_production_refuses_to_start_with_a_printed_setting_unset(variable: str) -> None:
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != variable}
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    assert raised.value.variable == variable
    assert "must be set in production" in str(raised.value)


@pytest.mark.parametrize(
    ("variable", "sample"),
    [("PORTAL_ISSUER_NAME", Settings().issuer_name),
     ("PORTAL_ISSUER_REGISTRATION_NUMBER", Settings().issuer_registration_number),
     *SAMPLE_BANK.items()],
)
def test_production_refuses_to_start_with_a_sample_value(variable: str, sample: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({**PRODUCTION_ENV, variable: sample})
    assert raised.value.variable == variable
    assert "development sample" in str(raised.value)


def test_the_link_secret_is_the_setting_or_derived_from_the_signing_key() -> None:
    key, other_key = generate_signing_key(), generate_signing_key()
    derived = document_link_secret(Settings(), key)
    assert derived == document_link_secret(Settings(), key), "every process sharing the key agrees"
    assert derived != document_link_secret(Settings(), other_key)
    configured = "x" * 40
    assert document_link_secret(Settings(document_link_secret=configured), key) == configured
    services = Services.build(Settings(issuer="https://portal.example.com"), key)
    assert services.document_links.url(1, "ab").startswith("https://portal.example.com/documents/")
