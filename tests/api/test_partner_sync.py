"""The partner scenario of issue 14, end to end over HTTP: an account's owner gives an
accounting system a client and a webhook endpoint; invoices are issued, one is paid and
one voided; the partner keeps in sync three ways (updatedSince, the change feed, signed
webhooks through a receiver that fails its first three attempts) and each way tells it
every change exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx

from models.accounts import Account
from models.invoices import Invoice
from schema.ids import global_id
from tests.support.invoicing import activate, book, line, run_billing
from tests.support.webhook_receiver import Received, Receiver, Reply
from tests.support.webhooks import deliverer, drain_until, settled

OWNER = "billing:read billing:write"
DAY = date(2026, 3, 2)
CREATE_CLIENT = """mutation($input: CreatePartnerClientInput!) {
  createPartnerClient(input: $input) { clientSecret partnerClient { clientId } errors { code } } }"""
CREATE_ENDPOINT = """mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id } errors { code } } }"""
PAY = """mutation($id: ID!) { recordPayment(input: {invoiceId: $id, paidOn: "2026-03-10"}) { errors { code } } }"""
VOID = """mutation($id: ID!) { voidInvoice(input: {invoiceId: $id, reason: "Ordered twice."}) { errors { code } } }"""
CHANGED = """query($since: DateTime!) {
  invoices(filter: {updatedSince: $since}, orderBy: {field: UPDATED_AT, direction: ASC}) {
    totalCount edges { node { number status } } } }"""
FEED = """query($after: String) { invoiceEvents(after: $after, first: 2) {
  pageInfo { hasNextPage endCursor } edges { node { sequence type invoiceNumber } } } }"""


async def _issue(account: Account, count: int) -> list[Invoice]:
    for _ in range(count):
        _, (row,) = await book(account, [line("Edge", "3000")], booked_on=DAY, start=DAY, end=date(2027, 3, 1))
        await activate(row, DAY)
    await run_billing(DAY)
    return list(await Invoice.filter(account_id=account.id).order_by("id"))


async def _partner_token(client: httpx.AsyncClient, gql: Any, owner: str) -> str:
    created = (await gql(CREATE_CLIENT, owner, {"input": {"name": "Ledger", "scopes": ["invoices:read"]}}))
    created = created["data"]["createPartnerClient"]
    assert created["errors"] == [], created
    response = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"},
        auth=(created["partnerClient"]["clientId"], created["clientSecret"]),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def _feed(gql: Any, token: str, after: str | None) -> tuple[list[tuple[int, str, str]], str | None]:
    events: list[tuple[int, str, str]] = []
    while True:
        page = (await gql(FEED, token, {"after": after}))["data"]["invoiceEvents"]
        events += [(e["node"]["sequence"], e["node"]["type"], e["node"]["invoiceNumber"]) for e in page["edges"]]
        after = page["pageInfo"]["endCursor"] or after
        if not page["pageInfo"]["hasNextPage"]:
            return events, after


def _fails_three_times(request: Received, index: int) -> Reply:
    return Reply(status=503) if index < 3 else Reply()


async def test_a_partner_stays_in_sync_by_listing_by_feed_and_by_webhooks(
    client: httpx.AsyncClient, gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    owner, staff = await token_for("owner", OWNER), await token_for("staff-1", "admin")
    partner = await _partner_token(client, gql, owner)
    async with Receiver(_fails_three_times) as receiver:
        endpoint = (await gql(CREATE_ENDPOINT, owner, {"input": {
            "url": f"{receiver.url}/hooks", "events": ["INVOICE_ISSUED", "INVOICE_PAID", "INVOICE_VOIDED",
                                                       "CREDIT_NOTE_ISSUED", "INVOICE_PAST_DUE"],
        }}))["data"]["createWebhookEndpoint"]
        assert endpoint["errors"] == [] and endpoint["secret"].startswith("whsec_")

        first, second, third = await _issue(account, 3)
        await _issue(other_account, 1)  # never the partner's business
        events, cursor = await _feed(gql, partner, None)
        assert [(s, t) for s, t, _ in events] == [(1, "INVOICE_ISSUED"), (2, "INVOICE_ISSUED"), (3, "INVOICE_ISSUED")]

        since = datetime.now(UTC).isoformat()
        for document, invoice in ((PAY, first), (VOID, second)):
            answer = await gql(document, staff, {"id": global_id("Invoice", invoice.id)})
            assert "errors" not in answer and all(not v["errors"] for v in answer["data"].values()), answer

        changed = (await gql(CHANGED, partner, {"since": since}))["data"]["invoices"]
        assert changed["totalCount"] == 2
        assert [e["node"] for e in changed["edges"]] == [
            {"number": first.number, "status": "PAID"}, {"number": second.number, "status": "VOID"}
        ]
        later, cursor = await _feed(gql, partner, cursor)
        assert later == [
            (4, "INVOICE_PAID", first.number), (5, "INVOICE_VOIDED", second.number),
            (6, "CREDIT_NOTE_ISSUED", second.number),
        ]
        assert await _feed(gql, partner, cursor) == ([], cursor)

        tries = await drain_until(deliverer(), settled)
        processed = receiver.processed(endpoint["secret"])  # verified with the reference library, once per id
        assert tries == len(receiver.requests) == 6 + 3
        assert sorted((p["type"], p["data"]["number"]) for p in processed.values()) == sorted([
            ("invoice.issued", first.number), ("invoice.issued", second.number), ("invoice.issued", third.number),
            ("invoice.paid", first.number), ("invoice.voided", second.number), ("credit_note.issued", second.number),
        ])
        assert sorted(p["data"]["sequence"] for p in processed.values()) == [1, 2, 3, 4, 5, 6]
