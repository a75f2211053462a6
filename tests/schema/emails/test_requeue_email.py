"""Staff re-queue a failed customer email over GraphQL; customers see how it went."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.accounts import Account
from models.coverage import Coverage
from models.outbox import OutboxMessage, OutboxStatus
from tests.support.invoicing import activate, book, give_profile, line, run_billing

REQUEUE = """
mutation R($id: ID!) { requeueEmail(input: {id: $id}) {
  notification { id status attempts lastError recipients } errors { code field message } } }
"""
NOTIFICATION = "query N($n: String!) { invoice(number: $n) { notification { id status attempts lastError } } }"


async def _failed_invoice_email(account: Account) -> tuple[str, OutboxMessage]:
    await give_profile(account, Coverage.GLOBAL, email="ap@acme.test")
    _, (row,) = await book(account, [line("X", "10.00")], booked_on=date(2026, 3, 1), start=date(2026, 3, 1),
                           end=date(2027, 2, 28))
    await activate(row, date(2026, 3, 1))
    (number,) = (await run_billing(date(2026, 3, 1))).issued
    message = await OutboxMessage.get(kind="invoice_issued")
    # What the worker records after a permanent refusal:
    await OutboxMessage.filter(id=message.id).update(
        status=OutboxStatus.FAILED, attempts=1, last_error="550 5.1.1 mailbox unavailable"
    )
    return number, message


async def test_customer_sees_the_failure_and_staff_requeue_it(gql: Any, token_for: Any, account: Account) -> None:
    number, message = await _failed_invoice_email(account)
    owner = await token_for("owner", "billing:read")
    seen = (await gql(NOTIFICATION, owner, {"n": number}))["data"]["invoice"]["notification"]
    assert seen == {"id": str(message.id), "status": "FAILED", "attempts": 1, "lastError": "550 5.1.1 mailbox unavailable"}

    staff = await token_for("staff-1", "admin")
    body = (await gql(REQUEUE, staff, {"id": str(message.id)}))["data"]["requeueEmail"]
    assert body["errors"] == []
    assert (body["notification"]["status"], body["notification"]["attempts"]) == ("PENDING", 0)
    again = (await gql(REQUEUE, staff, {"id": str(message.id)}))["data"]["requeueEmail"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("NOT_ALLOWED", "id")]


async def test_only_staff_may_requeue(gql: Any, token_for: Any, account: Account) -> None:
    _, message = await _failed_invoice_email(account)
    owner = await token_for("owner", "billing:read billing:write")
    body = await gql(REQUEUE, owner, {"id": str(message.id)})
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await OutboxMessage.get(id=message.id)).status is OutboxStatus.FAILED


async def test_an_unknown_email_is_not_found(gql: Any, token_for: Any, account: Account) -> None:
    staff = await token_for("staff-1", "admin")
    for unknown in ("00000000-0000-0000-0000-000000000000", "not-an-id"):
        body = (await gql(REQUEUE, staff, {"id": unknown}))["data"]["requeueEmail"]
        assert [(e["code"], e["field"]) for e in body["errors"]] == [("NOT_FOUND", "id")]
