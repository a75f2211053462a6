"""The destination is checked again before every try, and the try goes to the address that
was checked: DNS rebinding cannot turn a public endpoint into a request to loopback."""

from __future__ import annotations

from typing import Any

import httpx

from billing.webhooks.destinations import Destinations
from models.accounts import Account
from models.events import InvoiceEventType
from models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import deliverer, endpoint, issued_invoice, record

PAID = InvoiceEventType.INVOICE_PAID


class SwitchingResolver:
    """A resolver stub (no network) whose answers the test changes."""

    def __init__(self, **table: list[str]) -> None:
        self.table = {host.replace("_", "."): addresses for host, addresses in table.items()}
        self.asked: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        return self.table.get(host, [])


async def test_a_host_rebound_to_loopback_after_creation_is_refused_and_nothing_is_sent(
    db: Any, account: Account
) -> None:
    resolver = SwitchingResolver(hooks_partner_example=["93.184.216.34"])
    production = Destinations(production=True, resolver=resolver)
    invoice = await issued_invoice(account)
    async with Receiver() as receiver:
        await endpoint(account, f"https://hooks.partner.example:{receiver.port}", destinations=production)
        await record(invoice, PAID)
        resolver.table["hooks.partner.example"] = ["127.0.0.1"]  # the partner's DNS now points inside
        assert await deliverer(production).drain() == 1

    assert receiver.connections == 0 and receiver.requests == []
    assert resolver.asked == ["hooks.partner.example"] * 2  # at creation, and before the try
    (attempt,) = await WebhookAttempt.all()
    assert attempt.status_code is None
    assert attempt.error is not None and attempt.error.startswith("destination refused: ")
    assert "127.0.0.1 is a loopback address" in attempt.error
    assert (await WebhookDelivery.get(id=attempt.delivery_id)).status is DeliveryStatus.PENDING


async def test_a_try_goes_to_the_checked_address_with_the_host_as_header_and_tls_name(
    db: Any, account: Account
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    production = Destinations(production=True, resolver=SwitchingResolver(hooks_partner_example=["93.184.216.34"]))
    invoice = await issued_invoice(account)
    await endpoint(account, "https://hooks.partner.example/in", destinations=production)
    await record(invoice, PAID)
    worker = deliverer(production)
    worker.transport = httpx.MockTransport(answer)  # nothing leaves the machine
    assert await worker.drain() == 1

    (request,) = seen
    assert str(request.url) == "https://93.184.216.34/in/hooks"
    assert request.headers["host"] == "hooks.partner.example"
    assert request.extensions["sni_hostname"] == "hooks.partner.example"


async def test_in_development_a_name_resolving_to_loopback_is_reached_at_that_address(
    db: Any, account: Account
) -> None:
    development = Destinations(production=False, resolver=SwitchingResolver(receiver_test=["127.0.0.1"]))
    invoice = await issued_invoice(account)
    async with Receiver() as receiver:
        await endpoint(account, f"http://receiver.test:{receiver.port}", destinations=development)
        await record(invoice, PAID)
        assert await deliverer(development).drain() == 1
    (request,) = receiver.requests
    assert request.headers["host"] == f"receiver.test:{receiver.port}"
