"""Partners list invoices: every filter, every ordering both ways, a count, and keyset
pages that stay stable while invoices are issued in between."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from api.oauth.store import create_client
from models.accounts import Account
from models.coverage import Coverage
from models.invoices import BilledCharge, Invoice, InvoiceLine
from models.orders import Subscription
from schema.ids import global_id
from tests.support.invoicing import book, line

LIST = """query L($filter: InvoiceFilter, $orderBy: InvoiceOrderInput, $first: Int, $after: String) {
  invoices(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { number dueDate issueDate updatedAt status total { amount } } }
  }
}"""
_SERIAL = iter(range(1, 100_000))
T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


async def _invoice(
    account: Account, *, issued: date = date(2026, 4, 1), due: date | None = None, total: str | None = "1000",
    coverage: str = "JP", po: str | None = None, subscription: Subscription | None = None,
    updated: datetime = T0, status: str = "ISSUED",
) -> Invoice:
    serial = next(_SERIAL)
    prefix = "JP" if coverage == "JP" else "GL"
    amount = Decimal(total) if total is not None else None
    return await Invoice.create(
        account_id=account.id, coverage=coverage, number=f"{prefix}-2026-{serial:06d}", year=2026, sequence=serial,
        issue_date=issued, due_date=due or issued + timedelta(days=30), currency=None if amount is None else (
            "JPY" if coverage == "JP" else "USD"), payment_terms="NET_30", po_number=po,
        subtotal=amount, tax_total=Decimal(0) if amount is not None else None, total=amount,
        bill_to={"company_name": "Acme"},
        issuer={"name": "Issuer"}, language="en", subscription=subscription, updated_at=updated, status=status,
        paid_on=issued if status == "PAID" else None,
    )


async def _partner_token(client: Any, account: Account) -> str:
    """A partner's token, as a partner gets it: client credentials at the token endpoint."""
    client_id, secret = await create_client(account.id, "Ledger sync", ["invoices:read"])
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def _all_pages(gql: Any, token: str, size: int, between: Any = None, **variables: Any) -> list[dict[str, Any]]:
    nodes, after, pages = [], None, 0
    while True:
        body = await gql(LIST, token, {**variables, "first": size, "after": after})
        assert "errors" not in body, body
        page = body["data"]["invoices"]
        nodes += [edge["node"] for edge in page["edges"]]
        pages += 1
        if between is not None and pages == 1:
            await between()
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_a_partner_pages_by_due_date_while_invoices_are_issued_and_sees_each_once(
    client: Any, gql: Any, account: Account, other_account: Account
) -> None:
    invoices = [await _invoice(account, due=date(2026, 5, 1) + timedelta(days=i % 6)) for i in range(17)]
    await _invoice(other_account)
    token = await _partner_token(client, account)
    late: list[Invoice] = []

    async def issue_two_more() -> None:  # one due before the pages read so far, one after
        late.append(await _invoice(account, due=date(2026, 4, 1)))
        late.append(await _invoice(account, due=date(2026, 6, 1)))

    seen = await _all_pages(
        gql, token, 5, issue_two_more, orderBy={"field": "DUE_DATE", "direction": "ASC"}
    )
    numbers = [node["number"] for node in seen]
    assert len(numbers) == len(set(numbers)), "no invoice twice"
    assert {i.number for i in invoices} <= set(numbers), "every invoice of the first page's time once"
    assert late[0].number not in numbers and late[1].number in numbers  # behind the cursor: not; ahead: yes
    dues = [node["dueDate"] for node in seen]
    assert dues == sorted(dues)


ORDERINGS = [(f, d) for f in ("ISSUE_DATE", "DUE_DATE", "NUMBER", "TOTAL", "UPDATED_AT") for d in ("ASC", "DESC")]


async def test_every_ordering_pages_in_order_with_ties_kept_stable(client: Any, gql: Any, account: Account) -> None:
    for i in range(7):  # ties on every field (two each), one invoice of two currencies
        await _invoice(
            account, issued=date(2026, 4, 1 + i // 2), due=date(2026, 6, 1 + i // 2),
            total=None if i == 3 else str(1000 * (i // 2)), updated=T0 + timedelta(minutes=i // 2),
        )
    token = await _partner_token(client, account)
    for field, direction in ORDERINGS:
        one_page = await _all_pages(gql, token, 100, orderBy={"field": field, "direction": direction})
        paged = await _all_pages(gql, token, 2, orderBy={"field": field, "direction": direction})
        assert [n["number"] for n in paged] == [n["number"] for n in one_page], (field, direction)
        assert len(paged) == 7
        keys = [_sort_key(field, node) for node in paged]
        assert keys == sorted(keys, reverse=direction == "DESC"), (field, direction)


def _sort_key(field: str, node: dict[str, Any]) -> Any:
    return {
        "ISSUE_DATE": node["issueDate"], "DUE_DATE": node["dueDate"], "NUMBER": node["number"],
        "TOTAL": Decimal(node["total"]["amount"]) if node["total"] else Decimal(-1),  # no single total: first
        "UPDATED_AT": datetime.fromisoformat(node["updatedAt"]),
    }[field]


async def test_a_cursor_of_one_ordering_is_refused_by_another(client: Any, gql: Any, account: Account) -> None:
    for _ in range(3):
        await _invoice(account)
    token = await _partner_token(client, account)
    body = await gql(LIST, token, {"first": 1, "orderBy": {"field": "NUMBER", "direction": "ASC"}})
    cursor = body["data"]["invoices"]["pageInfo"]["endCursor"]
    body = await gql(LIST, token, {"first": 1, "after": cursor, "orderBy": {"field": "DUE_DATE", "direction": "ASC"}})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gql(LIST, token, {"first": 1, "after": cursor})  # the default ordering is another one too
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def _numbers(gql: Any, token: str, **filter: Any) -> tuple[list[str], int]:
    body = await gql(LIST, token, {"filter": filter, "first": 100})
    assert "errors" not in body, body
    page = body["data"]["invoices"]
    return sorted(edge["node"]["number"] for edge in page["edges"]), page["totalCount"]


async def _subscription_billed_by(account: Account, invoice: Invoice) -> int:
    """A subscription (booked as staff would) whose order line the invoice billed, as the ledger says."""
    _, (row,) = await book(account, [line("Edge", "1000")], booked_on=date(2026, 1, 1), coverage=Coverage.JP,
        start=date(2026, 1, 1), end=date(2026, 12, 31),
    )
    await BilledCharge.create(order_line=row, kind="RECURRING", period_start=date(2026, 1, 1), invoice=invoice)
    return row.subscription_id


async def test_every_filter_narrows_the_list_and_the_count_says_how_many_match(
    client: Any, gql: Any, account: Account, other_account: Account
) -> None:
    jp_open = await _invoice(account, due=date(2099, 1, 1), po="PO-7")
    jp_late = await _invoice(account, due=date(2026, 5, 1))
    gl_paid = await _invoice(account, coverage="GLOBAL", status="PAID", updated=T0 + timedelta(days=1))
    merged = await _invoice(account, total=None, due=date(2099, 7, 1))
    await InvoiceLine.create(
        invoice=merged, position=0, order_number="O-1", product="Edge", description="Edge",
        period_start=date(2026, 4, 1), period_end=date(2026, 4, 30), amount=Decimal(1), tax_category="STANDARD",
        po_number="PO-9",
    )
    subscription = await _subscription_billed_by(account, merged)
    single = await _subscription_billed_by(account, jp_open)
    await Invoice.filter(id=jp_open.id).update(subscription_id=single)
    foreign = await _invoice(other_account, po="PO-7")
    foreign_subscription = await _subscription_billed_by(other_account, foreign)
    token = await _partner_token(client, account)
    everything = sorted(i.number for i in (jp_open, jp_late, gl_paid, merged))

    assert await _numbers(gql, token) == (everything, 4)
    assert await _numbers(gql, token, coverage="GLOBAL") == ([gl_paid.number], 1)
    assert (await _numbers(gql, token, status=["PAST_DUE"]))[0] == [jp_late.number]
    assert (await _numbers(gql, token, status=["PAID", "PAST_DUE"]))[0] == sorted([gl_paid.number, jp_late.number])
    assert (await _numbers(gql, token, dueFrom="2099-06-01", dueTo="2099-07-01"))[0] == [merged.number]
    assert (await _numbers(gql, token, poNumber="PO-7"))[0] == [jp_open.number]
    assert (await _numbers(gql, token, poNumber="PO-9"))[0] == [merged.number]  # a line's PO
    assert (await _numbers(gql, token, subscriptionId=global_id("Subscription", subscription)))[0] == [merged.number]
    assert (await _numbers(gql, token, subscriptionId=global_id("Subscription", single)))[0] == [jp_open.number]
    assert await _numbers(gql, token, subscriptionId=global_id("Subscription", foreign_subscription)) == ([], 0)
    assert await _numbers(gql, token, subscriptionId=global_id("Invoice", merged.id)) == ([], 0)
    assert (await _numbers(gql, token, updatedSince=(T0 + timedelta(hours=1)).isoformat()))[0] == [gl_paid.number]
    assert (await _numbers(gql, token, coverage="JP", status=["ISSUED", "PAST_DUE"], poNumber="PO-7"))[0] == [
        jp_open.number
    ]


@pytest.mark.parametrize(
    ("filter", "field"),
    [
        ({"dueFrom": "2026-03-02", "dueTo": "2026-03-01"}, "filter.dueFrom"),
        ({"poNumber": "x" * 101}, "filter.poNumber"),
        ({"poNumber": "a\u0007"}, "filter.poNumber"),
    ],
)
async def test_a_listing_that_cannot_be_run_is_refused_naming_the_field(
    gql: Any, token_for: Any, account: Account, filter: dict[str, Any], field: str
) -> None:
    body = await gql(LIST, await token_for("owner", "invoices:read"), {"filter": filter})
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


async def test_the_count_is_not_computed_unless_asked(gql: Any, token_for: Any, account: Account, caplog: Any) -> None:
    await _invoice(account)
    token = await token_for("owner", "invoices:read")
    caplog.set_level("DEBUG", logger="tortoise.db_client")
    body = await gql("{ invoices(first: 5) { edges { node { number } } } }", token)
    assert len(body["data"]["invoices"]["edges"]) == 1
    assert not [r for r in caplog.records if "COUNT(" in r.getMessage().upper()]



async def test_the_older_coverage_and_status_arguments_apply_together_with_the_filter(
    gql: Any, token_for: Any, account: Account
) -> None:
    paid = await _invoice(account, status="PAID")
    void = await _invoice(account, status="VOID")
    token = await token_for("owner", "invoices:read")
    query = """query($filter: InvoiceFilter, $status: InvoiceStatus, $coverage: Coverage) {
      invoices(filter: $filter, status: $status, coverage: $coverage, first: 100) { edges { node { number } } } }"""

    async def found(**variables: Any) -> list[str]:
        body = await gql(query, token, variables)
        assert "errors" not in body, body
        return sorted(edge["node"]["number"] for edge in body["data"]["invoices"]["edges"])

    assert await found(status="PAID") == [paid.number]
    assert await found(status="PAID", filter={"status": ["PAID", "VOID"]}) == [paid.number]
    assert await found(status="PAID", filter={"status": ["VOID"]}) == []  # both hold, not either
    assert await found(coverage="JP", filter={"coverage": "GLOBAL"}) == []
    assert await found(coverage="JP") == sorted([paid.number, void.number])
