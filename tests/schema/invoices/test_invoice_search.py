"""The bookkeeping search: invoices found by issue date, amount and counterparty
(電子帳簿保存法), ranges and part of a name, combined; bad bounds refused, naming the field."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from models.invoices import Invoice
from tests.support.documents import issue_jp_invoice

SEARCH = """query S($filter: InvoiceFilter) {
  invoices(first: 100, filter: $filter) { edges { node { number } } }
}"""
_SERIAL = iter(range(1, 10_000))


async def _invoice(account: Any, issued: date, total: Decimal | None, counterparty: str) -> str:
    serial = next(_SERIAL)
    number = f"JP-2025-{serial:06d}"
    await Invoice.create(
        account_id=account.id, coverage="JP", number=number, year=2025, sequence=serial, issue_date=issued,
        due_date=issued + timedelta(days=30), currency="JPY" if total is not None else None, payment_terms="NET_30",
        subtotal=total, tax_total=Decimal(0) if total is not None else None, total=total,
        bill_to={"company_name": counterparty}, counterparty=counterparty, issuer={"name": "Issuer"}, language="ja",
    )
    return number


async def _found(gql: Any, token: str, **filter: Any) -> list[str]:
    body = await gql(SEARCH, token, {"filter": filter})
    assert "errors" not in body, body
    return sorted(edge["node"]["number"] for edge in body["data"]["invoices"]["edges"])


async def test_invoices_are_found_by_issue_date_amount_and_counterparty(
    gql: Any, token_for: Any, account: Any, other_account: Any
) -> None:
    acme_jan = await _invoice(account, date(2025, 1, 10), Decimal("11000"), "株式会社アクメ")
    acme_mar = await _invoice(account, date(2025, 3, 31), Decimal("55000"), "株式会社アクメ")
    beta_mar = await _invoice(account, date(2025, 3, 1), Decimal("11000"), "Beta Trading Co.")
    merged = await _invoice(account, date(2025, 3, 15), None, "Beta Trading Co.")
    await _invoice(other_account, date(2025, 3, 1), Decimal("11000"), "株式会社アクメ")  # never theirs to see
    token = await token_for("owner", "invoices:read")

    assert await _found(gql, token) == sorted([acme_jan, acme_mar, beta_mar, merged])
    assert await _found(gql, token, issuedFrom="2025-03-01", issuedTo="2025-03-31") == sorted(
        [acme_mar, beta_mar, merged]
    )
    assert await _found(gql, token, issuedFrom="2025-03-31") == [acme_mar]  # bounds are inclusive
    assert await _found(gql, token, totalFrom="11000", totalTo="11000") == sorted([acme_jan, beta_mar])
    assert await _found(gql, token, totalFrom="20000") == [acme_mar]  # two currencies: no single total
    assert await _found(gql, token, counterparty="アクメ") == sorted([acme_jan, acme_mar])
    assert await _found(gql, token, counterparty="beta trading") == sorted([beta_mar, merged])
    assert await _found(gql, token, counterparty="アクメ", issuedFrom="2025-02-01", totalTo="60000") == [acme_mar]
    assert await _found(gql, token, counterparty="nobody") == []


@pytest.mark.parametrize(
    ("filter", "field"),
    [
        ({"issuedFrom": "2025-03-02", "issuedTo": "2025-03-01"}, "filter.issuedFrom"),
        ({"totalFrom": "-1"}, "filter.totalFrom"),
        ({"totalFrom": "10", "totalTo": "9"}, "filter.totalFrom"),
        ({"counterparty": "a\u0000b"}, "filter.counterparty"),
        ({"counterparty": "x" * 201}, "filter.counterparty"),
    ],
)
async def test_a_search_that_cannot_be_run_is_refused_naming_the_field(
    gql: Any, token_for: Any, account: Any, filter: dict[str, Any], field: str
) -> None:
    body = await gql(SEARCH, await token_for("owner", "invoices:read"), {"filter": filter})
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


async def test_an_issued_invoice_records_its_counterparty_from_the_bill_to(account: Any, settings: Any) -> None:
    number = await issue_jp_invoice(account, settings, rendered=False)
    invoice = await Invoice.get(number=number)
    assert invoice.counterparty == invoice.bill_to["company_name"] != ""
