"""Secrets, message ids and signatures, as the Standard Webhooks specification says.

A secret is ``whsec_`` and the base64 of 32 random bytes. A message is signed with the
reference library (``standardwebhooks``): ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``.
For 24 hours after a rotation the previous secret signs too, and ``webhook-signature``
carries both signatures separated by a space, so a receiver still holding the old secret
keeps verifying while it switches.
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
from typing import Any

from standardwebhooks.webhooks import Webhook

from models.webhooks import WebhookEndpoint

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
PREVIOUS_SECRET_HOURS = 24
"""How long the secret replaced by a rotation keeps signing."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def new_message_id() -> str:
    """A ``webhook-id``: the same on every try and redelivery of one message."""
    return "msg_" + secrets.token_urlsafe(21)


def body(payload: dict[str, Any]) -> str:
    """The exact JSON text posted (and signed): ``type``, ``timestamp``, then ``data``
    (whatever order the database kept the keys in)."""
    ordered = {key: payload[key] for key in ("type", "timestamp", "data") if key in payload}
    return json.dumps({**ordered, **payload}, ensure_ascii=False, separators=(",", ":"))


def signing_secrets(endpoint: WebhookEndpoint, now: datetime.datetime) -> list[str]:
    """The secrets that sign a message sent at ``now``: the current one, and the previous
    one until it expires."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        found.append(endpoint.previous_secret)
    return found


def headers(message_id: str, text: str, keys: list[str], now: datetime.datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one try of a message whose body is ``text``."""
    at = now.astimezone(datetime.UTC).replace(microsecond=0)
    signatures = " ".join(Webhook(key).sign(message_id, at, text) for key in keys)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "BillingPortal-Webhooks/1",
    }
