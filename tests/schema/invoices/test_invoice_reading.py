"""Reading invoices: access, filters, keyset pages, the node interface and a
query count that does not grow with the number of invoices listed."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from strawberry import relay

from billing.clock import today_utc
from models.accounts import Account
from models.coverage import Coverage
from tests.support.invoicing import activate, book, give_profile, line, run_billing
from tests.support.invoicing_gql import INVOICE, INVOICES, VOID

NODE = "query N($id: ID!) { node(id: $id) { id ... on Invoice { number } } }"


async def _invoices(account: Account, count: int, *, coverage: Coverage = Coverage.GLOBAL, day: date = date(2026, 3, 1)) -> list[str]:
    for _ in range(count):
        _, (row,) = await book(account, [line("X", "10.00")], coverage=coverage, booked_on=day, start=day, end=date(2027, 2, 28))
        await activate(row, day)
    return (await run_billing(day)).issued


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "SELECT" in record.getMessage().upper():
            self.count += 1


async def _selects(gql: Any, token: str) -> tuple[int, int]:
    counter, logger = QueryCounter(), logging.getLogger("tortoise.db_client")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        body = await gql(INVOICES, token, {"first": 100})
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    return counter.count, len(body["data"]["invoices"]["edges"])


async def test_listing_invoices_takes_the_same_number_of_queries_for_2_or_6(gql: Any, token_for: Any, account: Account) -> None:
    await give_profile(account, Coverage.GLOBAL)
    owner = await token_for("owner", "billing:read")
    await _invoices(account, 2)
    few = await _selects(gql, owner)
    await _invoices(account, 4, day=date(2026, 3, 2))
    many = await _selects(gql, owner)
    assert (few[1], many[1]) == (2, 6)
    assert 0 < few[0] == many[0]


async def test_a_foreign_or_missing_invoice_answers_null(gql: Any, token_for: Any, account: Account, other_account: Account) -> None:
    (number,) = await _invoices(account, 1)
    intruder = await token_for("intruder", "billing:read")
    owner = await token_for("owner", "billing:read")
    mine = (await gql(INVOICE, owner, {"number": number}))["data"]["invoice"]
    assert (await gql(INVOICE, intruder, {"number": number}))["data"]["invoice"] is None
    assert (await gql(INVOICE, owner, {"number": "GL-2026-999999"}))["data"]["invoice"] is None
    for not_a_number in ("x" * 5_000, "gl-2026-000001", number + " ", "\x00"):  # names no invoice, of any length
        assert (await gql(INVOICE, owner, {"number": not_a_number}))["data"]["invoice"] is None
    assert (await gql(NODE, intruder, {"id": mine["id"]}))["data"]["node"] is None
    assert (await gql(NODE, owner, {"id": mine["id"]}))["data"]["node"]["number"] == number
    foreign = {"number": number, "accountId": str(relay.GlobalID("Account", str(account.id)))}
    assert (await gql(INVOICE, intruder, foreign))["data"]["invoice"] is None


async def test_staff_read_any_account_with_account_id(gql: Any, token_for: Any, account: Account) -> None:
    (number,) = await _invoices(account, 1)
    staff = await token_for("staff-1", "admin")
    gid = str(relay.GlobalID("Account", str(account.id)))
    assert (await gql(INVOICE, staff, {"number": number, "accountId": gid}))["data"]["invoice"]["number"] == number
    assert len((await gql(INVOICES, staff, {"accountId": gid}))["data"]["invoices"]["edges"]) == 1
    writer = await gql(INVOICES, await token_for("owner", "billing:write"), {})
    assert len(writer["data"]["invoices"]["edges"]) == 1


async def test_invoices_filter_by_coverage_and_status_and_page_by_cursor(gql: Any, token_for: Any, account: Account) -> None:
    await _invoices(account, 3)
    await _invoices(account, 1, coverage=Coverage.JP, day=today_utc())
    owner = await token_for("owner", "billing:read")
    jp = (await gql(INVOICES, owner, {"coverage": "JP"}))["data"]["invoices"]["edges"]
    assert [e["node"]["status"] for e in jp] == ["ISSUED"]
    assert len((await gql(INVOICES, owner, {"status": "ISSUED"}))["data"]["invoices"]["edges"]) == 1
    assert len((await gql(INVOICES, owner, {"status": "PAST_DUE"}))["data"]["invoices"]["edges"]) == 3
    page1 = (await gql(INVOICES, owner, {"first": 2, "coverage": "GLOBAL"}))["data"]["invoices"]
    page2 = (await gql(INVOICES, owner, {"first": 2, "coverage": "GLOBAL", "after": page1["pageInfo"]["endCursor"]}))["data"]["invoices"]
    numbers = [e["node"]["number"] for e in page1["edges"] + page2["edges"]]
    assert numbers == ["GL-2026-000003", "GL-2026-000002", "GL-2026-000001"]
    assert page1["pageInfo"]["hasNextPage"] and not page2["pageInfo"]["hasNextPage"]


async def test_staff_void_an_open_invoice_and_customers_cannot(gql: Any, token_for: Any, account: Account) -> None:
    (number,) = await _invoices(account, 1)
    owner = await token_for("owner", "billing:read billing:write")
    invoice_id = (await gql(INVOICE, owner, {"number": number}))["data"]["invoice"]["id"]
    refused = await gql(VOID, owner, {"id": invoice_id, "reason": "duplicate"})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    staff = await token_for("staff-1", "admin")
    voided = await gql(VOID, staff, {"id": invoice_id, "reason": "duplicate"})
    assert voided["data"]["voidInvoice"]["invoice"] == {"number": number, "status": "VOID"}
    assert (await gql(VOID, staff, {"id": invoice_id, "reason": "again"}))["data"]["voidInvoice"]["errors"][0]["code"] == "INVOICE_NOT_OPEN"


async def test_amounts_show_exactly_the_currency_decimals(gql: Any, token_for: Any, account: Account) -> None:
    await give_profile(account, Coverage.JP)
    await give_profile(account, Coverage.GLOBAL)
    owner = await token_for("owner", "billing:read")
    (jp_number,) = await _invoices(account, 1, coverage=Coverage.JP)
    (gl_number,) = await _invoices(account, 1, coverage=Coverage.GLOBAL, day=date(2026, 3, 2))
    jp = (await gql(INVOICE, owner, {"number": jp_number}))["data"]["invoice"]
    gl = (await gql(INVOICE, owner, {"number": gl_number}))["data"]["invoice"]
    assert jp["total"]["currency"] == "JPY" and "." not in jp["total"]["amount"]
    assert gl["total"]["currency"] == "USD" and len(gl["total"]["amount"].split(".")[1]) == 2
