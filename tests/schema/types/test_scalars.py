"""The wire format of ``Date``, ``DateTime`` and ``Decimal`` over HTTP, exactly as
their descriptions in the schema state it, and the descriptions themselves."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from billing.rules.periods import BillingFrequency
from models.accounts import Account
from models.coverage import Coverage
from schema import build_schema
from schema.types.scalars import DECIMAL
from tests.support.invoicing import activate, book, give_profile, line, run_billing

INVOICE = """
query One($number: String!) { invoice(number: $number) {
  issueDate dueDate total { amount currency } lines { amount { amount } periodStart }
  taxes { rate taxableAmount { amount } taxAmount { amount } } } }
"""
UPDATED_AT = "query S($c: Coverage!) { paymentSettings(coverage: $c) { invoiceProfile { updatedAt } } }"
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00")


async def _invoice(account: Account, coverage: Coverage, monthly: str) -> str:
    day = date(2026, 3, 1)
    _, (row,) = await book(account, [line("X", monthly)], coverage=coverage, booked_on=day, start=day,
                           end=date(2027, 2, 28), frequency=BillingFrequency.MONTHLY_IN_ADVANCE)
    await activate(row, day)
    (number,) = [n for n in (await run_billing(day)).issued if n.startswith(coverage.value[:2])]
    return number


async def test_money_amounts_are_strings_with_exactly_the_currency_decimals(
    gql: Any, token_for: Any, account: Account
) -> None:
    await give_profile(account, Coverage.JP)
    await give_profile(account, Coverage.GLOBAL)
    owner = await token_for("owner", "billing:read")
    jp = (await gql(INVOICE, owner, {"number": await _invoice(account, Coverage.JP, "38400")}))["data"]["invoice"]
    assert jp["lines"] == [{"amount": {"amount": "38400"}, "periodStart": "2026-03-01"}]
    assert jp["taxes"] == [{"rate": "0.1", "taxableAmount": {"amount": "38400"}, "taxAmount": {"amount": "3840"}}]
    assert jp["total"] == {"amount": "42240", "currency": "JPY"}
    gl = (await gql(INVOICE, owner, {"number": await _invoice(account, Coverage.GLOBAL, "12.50")}))["data"]["invoice"]
    assert gl["total"] == {"amount": "12.50", "currency": "USD"}
    assert (gl["issueDate"], gl["dueDate"]) == ("2026-03-01", "2026-03-31")


async def test_instants_are_rfc_3339_in_utc(gql: Any, token_for: Any, account: Account) -> None:
    await give_profile(account, Coverage.JP)
    body = await gql(UPDATED_AT, await token_for("owner", "billing:read"), {"c": "JP"})
    updated_at = body["data"]["paymentSettings"]["invoiceProfile"]["updatedAt"]
    assert DATE_TIME.fullmatch(updated_at), updated_at


def test_decimals_are_never_written_in_exponent_form():
    serialize = DECIMAL.serialize
    assert serialize is not None
    assert [serialize(Decimal(text)) for text in ("38400", "12.50", "0.1", "-0.05", "0")] == [
        "38400", "12.50", "0.1", "-0.05", "0"
    ]
    assert [serialize(Decimal(text)) for text in ("1E+2", "1E-7", "0E-2")] == ["100", "0.0000001", "0.00"]


def test_each_scalar_describes_its_format_and_names_its_specification():
    types = build_schema()._schema.type_map
    assert types["Date"].specified_by_url == "https://scalars.graphql.org/andimarek/local-date.html"
    assert types["DateTime"].specified_by_url == "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
    assert types["Decimal"].specified_by_url is None
    assert "YYYY-MM-DD" in types["Date"].description
    assert "+00:00" in types["DateTime"].description
    assert "exponent" in types["Decimal"].description
