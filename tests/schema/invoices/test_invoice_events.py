"""The change feed over GraphQL: a partner that keeps its last cursor reads every
event once, in order, across pages and later changes; other accounts' events are
never seen; staff read one named account's feed."""

from __future__ import annotations

from datetime import date
from typing import Any

from billing.invoicing.invoices import record_payment
from billing.invoicing.voiding import void_invoice
from models.accounts import Account
from models.invoices import Invoice
from schema.ids import global_id
from tests.support.invoicing import STAFF, activate, book, line, run_billing

FEED = """query F($after: String, $first: Int, $accountId: ID) {
  invoiceEvents(after: $after, first: $first, accountId: $accountId) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { sequence type occurredAt invoiceNumber status creditNoteNumber invoice { number status } } }
  }
}"""
DAY = date(2026, 3, 1)


async def _issue(account: Account, count: int) -> list[Invoice]:
    for _ in range(count):
        _, rows = await book(account, [line("Edge", "3000")], booked_on=DAY, start=DAY, end=date(2027, 2, 28))
        await activate(rows[0], DAY)
    await run_billing(DAY)
    return list(await Invoice.filter(account_id=account.id).order_by("id"))


async def _sync(gql: Any, token: str, after: str | None, size: int = 2) -> tuple[list[dict[str, Any]], str | None]:
    """Read the feed from ``after`` to its end, page by page: the events and the cursor to keep."""
    seen: list[dict[str, Any]] = []
    while True:
        body = await gql(FEED, token, {"after": after, "first": size})
        assert "errors" not in body, body
        page = body["data"]["invoiceEvents"]
        seen += [edge["node"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"] or after
        if not page["pageInfo"]["hasNextPage"]:
            return seen, after


async def test_a_partner_keeping_its_cursor_reads_each_event_once_in_order(
    gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    first, second, third = await _issue(account, 3)
    await _issue(other_account, 1)
    token = await token_for("owner", "invoices:read")

    seen, cursor = await _sync(gql, token, None)
    assert [(e["sequence"], e["type"]) for e in seen] == [(n, "INVOICE_ISSUED") for n in (1, 2, 3)]
    assert sorted(e["invoiceNumber"] for e in seen) == sorted(i.number for i in (first, second, third))

    await record_payment(STAFF, first.id, date(2026, 3, 5))
    await void_invoice(STAFF, second.id, "Duplicate order.", today=date(2026, 3, 6))
    later, cursor = await _sync(gql, token, cursor)
    assert [(e["sequence"], e["type"], e["invoiceNumber"]) for e in later] == [
        (4, "INVOICE_PAID", first.number), (5, "INVOICE_VOIDED", second.number),
        (6, "CREDIT_NOTE_ISSUED", second.number),
    ]
    assert later[0]["status"] == "PAID" and later[2]["creditNoteNumber"].startswith("GL-CN-2026-")
    assert later[1]["invoice"] == {"number": second.number, "status": "VOID"}
    assert await _sync(gql, token, cursor) == ([], cursor)  # nothing new: nothing again


async def test_another_account_reads_no_events_and_staff_read_any(
    gql: Any, token_for: Any, account: Account, other_account: Account
) -> None:
    await _issue(account, 1)
    intruder = await token_for("intruder", "invoices:read billing:read")
    body = await gql(FEED, intruder, {"accountId": global_id("Account", account.id)})
    assert body["data"]["invoiceEvents"]["edges"] == []

    await _issue(other_account, 1)
    staff = await token_for("staff-1", "admin")
    body = await gql(FEED, staff, {})  # every account's, in the order written
    assert [e["node"]["sequence"] for e in body["data"]["invoiceEvents"]["edges"]] == [1, 1]
    body = await gql(FEED, staff, {"accountId": global_id("Account", account.id)})
    assert [e["node"]["sequence"] for e in body["data"]["invoiceEvents"]["edges"]] == [1]
