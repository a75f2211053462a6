"""How many SQL statements a request sends does not depend on how much it reads:
a page of invoices with every field costs the same statements at 1, 10 or 100 per
page, and authenticating a request is one statement (the member and the token's
revocation in one). Counted from Tortoise's statement log, on both databases."""

from __future__ import annotations

import base64
import json
import logging
from datetime import date
from typing import Any

from api.oauth.store import revoke_token
from models.accounts import Account, Member
from models.coverage import Coverage
from tests.support.invoicing import activate, book, give_profile, line, run_billing
from tests.support.invoicing_gql import INVOICES

_STATEMENT_WORDS = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}
VIEWER = "{ viewer { subject } }"


async def _sent(caplog: Any, gql: Any, query: str, token: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], int]:
    """The JSON body of the request and the number of SQL statements it sent."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        body = await gql(query, token, variables or {})
    sent = sum(
        1
        for record in caplog.records
        if record.name == "tortoise.db_client" and record.getMessage().lstrip().split(" ", 1)[0].upper() in _STATEMENT_WORDS
    )
    return body, sent


async def _issue(account: Account, count: int) -> None:
    """``count`` invoices, each of two lines on two tax rates (so lines and taxes are read)."""
    day = date(2026, 3, 1)
    for index in range(count):
        _, rows = await book(
            account, [line(f"A{index}", "10.00"), line(f"B{index}", "3.00")], coverage=Coverage.JP, booked_on=day,
            start=day, end=date(2027, 2, 28),
        )
        for row in rows:
            await activate(row, day)
    assert len((await run_billing(day)).issued) == count


async def test_a_page_of_invoices_sends_the_same_statements_at_1_10_and_100(
    gql: Any, token_for: Any, account: Account, caplog: Any
) -> None:
    await give_profile(account, Coverage.JP)
    await _issue(account, 12)
    owner = await token_for("owner", "billing:read")
    counts = {}
    for first, expected in ((1, 1), (10, 10), (100, 12)):
        body, sent = await _sent(caplog, gql, INVOICES, owner, {"first": first})
        edges = body["data"]["invoices"]["edges"]
        assert len(edges) == expected, body
        assert all(edge["node"]["lines"] and edge["node"]["taxes"] for edge in edges)
        counts[first] = sent
    assert counts[1] == counts[10] == counts[100], counts
    # authentication (1), the page (1), its lines (1), taxes (1), emails (1)
    assert counts[1] <= 5, counts


async def test_a_members_viewer_query_is_one_statement(gql: Any, token_for: Any, account: Account, caplog: Any) -> None:
    owner = await token_for("owner", "billing:read")
    body, sent = await _sent(caplog, gql, VIEWER, owner)
    assert body["data"]["viewer"]["subject"] == "owner"
    assert sent == 1
    chosen = {"X_Account_ID": str(account.id)}
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        assert (await gql(VIEWER, owner, **chosen))["data"]["viewer"]["subject"] == "owner"
    assert len([r for r in caplog.records if r.name == "tortoise.db_client"]) == 1


async def test_staff_viewer_query_is_at_most_one_statement(gql: Any, token_for: Any, db: Any, caplog: Any) -> None:
    staff = await token_for("staff-1", "admin")
    body, sent = await _sent(caplog, gql, VIEWER, staff)
    assert body["data"]["viewer"]["subject"] == "staff-1"
    assert sent <= 1


def _jti(token: str) -> str:
    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"])


async def test_a_members_revoked_token_is_refused_even_with_the_member_found_in_the_same_statement(
    gql: Any, token_for: Any, account: Account
) -> None:
    owner = await token_for("owner", "billing:read")
    assert (await gql(VIEWER, owner))["data"]["viewer"]["subject"] == "owner"
    await revoke_token(_jti(owner))
    for headers in ({}, {"X_Account_ID": str(account.id)}, {"X_Account_ID": "not-an-account"}):
        response = await gql.post(VIEWER, owner, **headers)
        assert response.status_code == 401, response.text
        assert "token has been revoked" in response.headers["WWW-Authenticate"]
    stranger = await token_for("viewer", "billing:read")
    await Member.filter(subject="viewer").delete()  # no longer a member, and revoked: revoked is said
    await revoke_token(_jti(stranger))
    response = await gql.post(VIEWER, stranger)
    assert response.status_code == 401 and "token has been revoked" in response.headers["WWW-Authenticate"]
