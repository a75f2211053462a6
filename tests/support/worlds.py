"""One object of every Node type for an account, made as its users would make them: the
makers the generated access tests share (``tests/schema/test_scopes_on_every_path.py``
demands a maker for each Node type; ``tests/schema/test_tenant_isolation.py`` tries every
id they make)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from strawberry import relay

from models.accounts import Account
from models.coverage import Coverage
from models.invoices import Invoice
from models.orders import OrderLine
from schema.ids import global_id
from tests.support.invoicing import activate, book, line, run_billing
from tests.support.payment import APPLY, APPROVE, OWNER_SCOPES, SETTINGS, application, payload

DAY = date(2026, 3, 2)


@dataclass
class World:
    """What the makers build for one account; ``made`` maps a type name to its object's id."""

    gql: Any
    token_for: Any
    account: Account
    owner: str
    made: dict[str, str] = field(default_factory=dict)
    line: OrderLine | None = None


async def _make_account(world: World) -> str:
    return global_id("Account", world.account.id)


async def _make_invoice_application(world: World) -> str:
    owner = await world.token_for(world.owner, OWNER_SCOPES)
    applied = payload(await world.gql(APPLY, owner, {"input": application("JP")}), "applyForInvoicePayment")
    assert applied["errors"] == [], applied
    return str(applied["application"]["id"])


async def _make_invoice_profile(world: World) -> str:
    staff = await world.token_for("staff-1", "admin")
    approved = payload(
        await world.gql(APPROVE, staff, {"id": world.made["InvoiceApplication"]}), "approveInvoiceApplication"
    )
    assert approved["errors"] == [], approved
    owner = await world.token_for(world.owner, OWNER_SCOPES)
    settings = payload(await world.gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")
    return str(settings["invoiceProfile"]["id"])


async def _make_subscription(world: World) -> str:
    _, (row,) = await book(world.account, [line("Compute", "1000")], coverage=Coverage.JP, booked_on=DAY, start=DAY,
                           end=date(2027, 3, 1))
    world.line = row
    return global_id("Subscription", row.subscription_id)


async def _make_order_line(world: World) -> str:
    assert world.line is not None
    await activate(world.line, DAY)
    return global_id("OrderLine", world.line.id)


async def _make_invoice(world: World) -> str:
    await run_billing(DAY)
    invoice = await Invoice.filter(account_id=world.account.id).order_by("id").first()
    assert invoice is not None, "the billing run issued no invoice"
    return global_id("Invoice", invoice.id)


async def _make_webhook_endpoint(world: World) -> str:
    owner = await world.token_for(world.owner, OWNER_SCOPES)
    created = payload(await world.gql(
        "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) "
        "{ endpoint { id } errors { code } } }",
        owner, {"input": {"url": "http://127.0.0.1:9/hooks", "events": ["INVOICE_ISSUED"]}},
    ), "createWebhookEndpoint")
    assert created["errors"] == [], created
    return str(created["endpoint"]["id"])


async def _make_webhook_delivery(world: World) -> str:
    owner = await world.token_for(world.owner, OWNER_SCOPES)
    sent = payload(await world.gql(
        "mutation($input: SendWebhookTestEventInput!) { sendWebhookTestEvent(input: $input) "
        "{ delivery { id } errors { code } } }",
        owner, {"input": {"endpointId": world.made["WebhookEndpoint"]}},
    ), "sendWebhookTestEvent")
    assert sent["errors"] == [], sent
    return str(sent["delivery"]["id"])


Maker = Callable[[World], Awaitable[str]]
MAKERS: list[tuple[str, Maker]] = [
    ("Account", _make_account),
    ("InvoiceApplication", _make_invoice_application),
    ("InvoiceProfile", _make_invoice_profile),  # approving the application makes it
    ("Subscription", _make_subscription),  # JP pays by invoice now, so an order may be booked
    ("OrderLine", _make_order_line),
    ("Invoice", _make_invoice),
    ("WebhookEndpoint", _make_webhook_endpoint),
    ("WebhookDelivery", _make_webhook_delivery),  # a test event to that endpoint
]
"""How to make one object of every Node type, in order (a maker may use what earlier ones made)."""


async def build_world(gql: Any, token_for: Any, account: Account, owner: str) -> World:
    world = World(gql, token_for, account, owner)
    for type_name, make in MAKERS:
        world.made[type_name] = await make(world)
        assert relay.GlobalID.from_id(world.made[type_name]).type_name == type_name
    return world
