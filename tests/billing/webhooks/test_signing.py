"""Secrets and signatures, checked with the reference library (``standardwebhooks``)."""

from __future__ import annotations

import base64
import datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from billing.webhooks.signing import body, headers, new_message_id, new_secret, signing_secrets
from models.webhooks import WebhookEndpoint


def _now() -> datetime.datetime:
    """Now, when the test runs (the reference library refuses a timestamp five minutes old,
    and the module is imported when the suite is collected, minutes earlier)."""
    return datetime.datetime.now(datetime.UTC)


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret
    assert new_message_id().startswith("msg_") and new_message_id() != new_message_id()


def test_the_reference_library_verifies_a_signed_message() -> None:
    secret, now = new_secret(), _now()
    text = body({"data": {"number": "JP-2026-000001"}, "type": "invoice.issued", "timestamp": "2026-03-02T00:00:00Z"})
    assert text.startswith('{"type":"invoice.issued","timestamp":')
    signed = headers("msg_1", text, [secret], now)
    assert Webhook(secret).verify(text, signed)["data"]["number"] == "JP-2026-000001"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(text, signed)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(text.replace("000001", "000002"), signed)


def test_after_a_rotation_both_secrets_sign_until_the_previous_one_expires() -> None:
    old, new, now = new_secret(), new_secret(), _now()
    endpoint = WebhookEndpoint(secret=new, previous_secret=old,
                               previous_secret_expires_at=now + datetime.timedelta(hours=24))
    keys = signing_secrets(endpoint, now)
    assert keys == [new, old]
    signed = headers("msg_2", "{}", keys, now)
    assert len(signed["webhook-signature"].split(" ")) == 2
    assert all(s.startswith("v1,") for s in signed["webhook-signature"].split(" "))
    Webhook(old).verify("{}", signed)
    Webhook(new).verify("{}", signed)
    assert signing_secrets(endpoint, now + datetime.timedelta(hours=24)) == [new]
