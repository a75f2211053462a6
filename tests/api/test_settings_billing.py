"""The invoicing settings: card countries and the issuer shown on invoices."""

from __future__ import annotations

import pytest

from api.services import billing_policy
from api.settings import Settings, SettingsError


def test_card_countries_and_issuer_come_from_the_environment() -> None:
    settings = Settings.from_env({"PORTAL_CARD_COUNTRIES": "us, de", "PORTAL_ISSUER_NAME": "Acme Cloud"})
    policy = billing_policy(settings)
    assert policy.card_countries == frozenset({"US", "DE"})
    assert policy.issuer() == {"name": "Acme Cloud", "registration_number": "T7000012050002"}
    assert billing_policy(Settings.from_env({})).card_countries == frozenset({"US", "CA", "GB", "AU", "SG"})


def test_a_bad_country_list_names_the_variable() -> None:
    with pytest.raises(SettingsError) as bad:
        Settings.from_env({"PORTAL_CARD_COUNTRIES": "USA"})
    assert bad.value.variable == "PORTAL_CARD_COUNTRIES"
