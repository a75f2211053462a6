"""Use cases on webhook endpoints: create, disable, enable, rotate the secret, read.

An endpoint receives the account's events from its creation on: its ``last_sequence``
starts at the account's last event number. Its secret is shown once, in the answer to
``create_endpoint`` or ``rotate_secret``; reads never show it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from billing.access.caller import WEBHOOK_READ_SCOPES, Caller
from billing.access.rules import readable, require_webhook_manager, webhook_account
from billing.errors import BusinessError, ErrorCode, FieldError
from billing.rules.text import normalise, text_error
from billing.webhooks.destinations import Destinations, Refused
from billing.webhooks.signing import PREVIOUS_SECRET_HOURS, new_secret
from models.accounts import Account
from models.events import AccountEventCounter, InvoiceEventType
from models.webhooks import WebhookEndpoint

MAX_ENDPOINTS = 20
"""Endpoints one account may have."""
MAX_DESCRIPTION = 200


@dataclass(frozen=True)
class EndpointWithSecret:
    """An endpoint and its new secret, shown this once."""

    endpoint: WebhookEndpoint
    secret: str


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def create_endpoint(
    caller: Caller,
    destinations: Destinations,
    *,
    url: str,
    events: Sequence[InvoiceEventType],
    description: str | None = None,
    account_id: uuid.UUID | None = None,
) -> EndpointWithSecret:
    """Register ``url`` for the account's ``events``; its destination is checked now
    (and again before every delivery)."""
    account = webhook_account(caller, account_id)
    errors: list[FieldError] = []
    text = normalise(description or "")
    problem = text_error(text, "description", MAX_DESCRIPTION, required=False)
    if problem:
        errors.append(problem)
    if not events:
        errors.append(FieldError(ErrorCode.REQUIRED, "Choose at least one event type.", "events"))
    url = url.strip()
    try:
        await destinations.check(url)
    except Refused as exc:
        errors.append(FieldError(exc.code, exc.message, "url"))
    if errors:
        raise BusinessError(errors)
    if not await Account.exists(id=account):
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such account.", "accountId")
    wanted = [kind.value for kind in InvoiceEventType if kind in set(events)]
    async with in_transaction():
        if await WebhookEndpoint.filter(account_id=account).count() >= MAX_ENDPOINTS:
            raise BusinessError.single(
                ErrorCode.NOT_ALLOWED, f"An account has at most {MAX_ENDPOINTS} webhook endpoints."
            )
        counter = await AccountEventCounter.get_or_none(account_id=account)
        secret = new_secret()
        endpoint = await WebhookEndpoint.create(
            account_id=account, url=url, description=text, event_types=wanted, secret=secret,
            last_sequence=counter.last_sequence if counter else 0, created_by=caller.subject,
        )
    return EndpointWithSecret(endpoint, secret)


async def _locked(caller: Caller, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint, locked for the caller's change (in a transaction); NOT_FOUND when it
    is not one the caller may manage."""
    require_webhook_manager(caller)
    query = readable(WebhookEndpoint.filter(id=endpoint_id), caller, scopes=WEBHOOK_READ_SCOPES)
    row = await query.select_for_update().first()
    if row is None:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such webhook endpoint.", "endpointId")
    return row


async def disable_endpoint(caller: Caller, endpoint_id: int) -> WebhookEndpoint:
    """Stop sending to the endpoint (its pending deliveries wait; new events are copied to it
    when it is enabled again). Disabling a disabled endpoint changes nothing."""
    async with in_transaction():
        row = await _locked(caller, endpoint_id)
        if row.disabled_at is None:
            row.disabled_at = _now()
            row.disabled_reason = f"Disabled by {caller.subject}."[:200]
            await row.save(update_fields=["disabled_at", "disabled_reason"])
    return row


async def enable_endpoint(caller: Caller, endpoint_id: int) -> WebhookEndpoint:
    """Send to the endpoint again, from a clean count of failures: what waited is sent,
    events of the disabled time included."""
    async with in_transaction():
        row = await _locked(caller, endpoint_id)
        row.disabled_at, row.disabled_reason, row.consecutive_failures = None, None, 0
        await row.save(update_fields=["disabled_at", "disabled_reason", "consecutive_failures"])
    return row


async def rotate_secret(caller: Caller, endpoint_id: int) -> EndpointWithSecret:
    """A new secret; the one it replaces keeps signing beside it for 24 hours."""
    now = _now()
    async with in_transaction():
        row = await _locked(caller, endpoint_id)
        secret = new_secret()
        row.previous_secret, row.secret = row.secret, secret
        row.previous_secret_expires_at = now + datetime.timedelta(hours=PREVIOUS_SECRET_HOURS)
        await row.save(update_fields=["previous_secret", "secret", "previous_secret_expires_at"])
    return EndpointWithSecret(row, secret)


def readable_endpoints(caller: Caller, account_id: uuid.UUID | None = None) -> QuerySet[WebhookEndpoint]:
    """The endpoints the caller may read: their account's (staff: the one named, or all)."""
    return readable(WebhookEndpoint.all(), caller, scopes=WEBHOOK_READ_SCOPES, account_id=account_id)


async def endpoints_by_id(caller: Caller, ids: list[int]) -> dict[int, WebhookEndpoint]:
    rows = await readable(WebhookEndpoint.filter(id__in=ids), caller, scopes=WEBHOOK_READ_SCOPES)
    return {row.id: row for row in rows}
