"""Deliveries over GraphQL: each with its tries (time, status or error, duration), paged
newest first; a test event; a redelivery with the same message id."""

from __future__ import annotations

import json
from typing import Any

from models.accounts import Account
from models.events import InvoiceEventType
from tests.schema.webhooks.documents import DELIVERIES, OWNER_SCOPES, REDELIVER, SEND_TEST, create, data
from tests.support.webhook_receiver import Received, Receiver, Reply
from tests.support.webhooks import deliverer, drain_until, issued_invoice, record, settled


async def test_deliveries_and_their_attempts_are_readable_and_redelivery_keeps_the_message_id(
    gql: Any, token_for: Any, account: Account
) -> None:
    def fail_once(request: Received, index: int) -> Reply:
        return Reply(500, body=b"database\x00down\n") if index == 0 else Reply(200)

    owner = await token_for("owner", OWNER_SCOPES)
    invoice = await issued_invoice(account)
    async with Receiver(fail_once) as receiver:
        created = await create(gql, owner, receiver.url + "/in", ["INVOICE_PAID"])
        endpoint_id = created["endpoint"]["id"]
        (paid,) = await record(invoice, InvoiceEventType.INVOICE_PAID)
        worker = deliverer()
        await drain_until(worker, settled)

        page = data(await gql(DELIVERIES, await token_for("viewer", "billing:read"), {"id": endpoint_id}),
                    "webhookDeliveries")
        (edge,) = page["edges"]
        delivery = edge["node"]
        assert (delivery["eventType"], delivery["status"], delivery["lastStatusCode"]) == ("invoice.paid", "SUCCEEDED",
                                                                                         200)
        assert delivery["payload"]["data"]["sequence"] == paid.sequence
        assert delivery["nextAttemptAt"] is None and delivery["deliveredAt"] is not None
        assert [(a["statusCode"], a["error"]) for a in delivery["attempts"]] == [
            (200, None), (500, "HTTP 500: database down")  # newest first; the excerpt is one clean line
        ]
        assert all(isinstance(a["durationMs"], int) and a["attemptedAt"] for a in delivery["attempts"])

        again = data(await gql(REDELIVER, owner, {"input": {"deliveryId": delivery["id"]}}), "redeliverWebhook")
        assert again["errors"] == [] and again["delivery"]["status"] == "PENDING"
        assert again["delivery"]["messageId"] == delivery["messageId"]
        await drain_until(worker, settled)

    assert [r.message_id for r in receiver.requests] == [delivery["messageId"]] * 3
    assert len(receiver.processed(created["secret"])) == 1
    after = data(await gql(DELIVERIES, owner, {"id": endpoint_id}), "webhookDeliveries")["edges"][0]["node"]
    assert [a["statusCode"] for a in after["attempts"]] == [200, 200, 500]


async def test_a_test_event_is_delivered_signed_and_deliveries_page_newest_first(
    gql: Any, token_for: Any, account: Account
) -> None:
    owner = await token_for("owner", OWNER_SCOPES)
    async with Receiver() as receiver:
        created = await create(gql, owner, receiver.url, ["INVOICE_ISSUED"])
        endpoint_id = created["endpoint"]["id"]
        sent = [
            data(await gql(SEND_TEST, owner, {"input": {"endpointId": endpoint_id}}), "sendWebhookTestEvent")
            for _ in range(3)
        ]
        assert all(s["errors"] == [] and s["delivery"]["status"] == "PENDING" for s in sent)
        assert all(s["delivery"]["eventType"] == "webhook.test" and s["delivery"]["attempts"] == [] for s in sent)
        assert await deliverer().drain() == 3

    bodies = [request.verify(created["secret"]) for request in receiver.requests]
    assert {body["type"] for body in bodies} == {"webhook.test"}
    assert json.loads(receiver.requests[0].body)["data"]["accountId"] == str(account.id)
    first = data(await gql(DELIVERIES, owner, {"id": endpoint_id, "first": 2}), "webhookDeliveries")
    rest = data(await gql(DELIVERIES, owner, {"id": endpoint_id, "first": 2,
                                              "after": first["pageInfo"]["endCursor"]}), "webhookDeliveries")
    ids = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert ids == [s["delivery"]["id"] for s in reversed(sent)]
    assert first["pageInfo"]["hasNextPage"] is True and rest["pageInfo"]["hasNextPage"] is False
