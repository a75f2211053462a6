"""``viewer.memberships``: every account the signed-in person belongs to, and how a
member of several accounts who has not chosen one is answered (``ACCOUNT_NOT_CHOSEN``)."""

from __future__ import annotations

import logging

import pytest

from api.oauth.store import create_client
from billing.access.caller import SCOPE_INVOICES_READ, Caller
from billing.access.identity import memberships
from billing.accounts import add_member, create_account
from models.accounts import Role
from schema.ids import global_id

MEMBERSHIPS = "{ viewer { subject memberships { account { id name } role } } }"
NOT_CHOSEN = "ACCOUNT_NOT_CHOSEN"


async def test_a_member_of_one_account_sees_that_membership(gql, token_for, account, other_account):
    body = await gql(MEMBERSHIPS, await token_for("billing", "billing:read"))
    assert body == {"data": {"viewer": {"subject": "billing", "memberships": [
        {"account": {"id": global_id("Account", account.id), "name": "Acme IoT K.K."}, "role": "BILLING_ADMIN"},
    ]}}}


async def test_a_member_of_two_accounts_sees_both_whichever_is_chosen(gql, token_for, account, other_account):
    await add_member(other_account.id, "owner", Role.VIEWER)
    token = await token_for("owner", "invoices:read")
    both = [
        {"account": {"id": global_id("Account", account.id), "name": "Acme IoT K.K."}, "role": "OWNER"},
        {"account": {"id": global_id("Account", other_account.id), "name": "Other Corp"}, "role": "VIEWER"},
    ]
    unchosen = await gql(MEMBERSHIPS, token)
    assert unchosen == {"data": {"viewer": {"subject": "owner", "memberships": both}}}
    chosen = await gql("{ viewer { role memberships { account { id name } role } } }", token,
                       X_Account_ID=global_id("Account", other_account.id))
    assert chosen["data"]["viewer"] == {"role": "VIEWER", "memberships": both}


async def test_staff_have_no_memberships(gql, token_for, account):
    await add_member(account.id, "staff-1", Role.OWNER)  # even a staff subject who is also a member
    body = await gql(MEMBERSHIPS, await token_for("staff-1", "admin"))
    assert body["data"]["viewer"]["memberships"] == []


async def test_a_partner_client_has_no_memberships_and_keeps_its_account(client, gql, account):
    client_id, secret = await create_client(account.id, "ERP", [SCOPE_INVOICES_READ])
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    token = response.json()["access_token"]
    body = await gql("{ viewer { subject memberships { role } account { id } } }", token)
    assert body["data"]["viewer"] == {
        "subject": client_id, "memberships": [], "account": {"id": global_id("Account", account.id)},
    }


async def test_a_token_without_a_customer_scope_lists_no_memberships(db, account):
    caller = Caller("owner", frozenset(), "other-client", account.id, Role.OWNER)
    assert await memberships(caller) == []


async def test_memberships_are_read_in_one_query(db, caplog):
    for name in ("Zeta", "Alpha", "Mid"):
        owned = await create_account(f"{name} K.K.", "founder")
        await add_member(owned.id, "many", Role.VIEWER)
    caller = Caller("many", frozenset({"billing:read"}), "portal-console", must_choose_account=True)
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        caplog.clear()  # only this call's statements
        rows = await memberships(caller)
    assert [(row.account.name, row.role) for row in rows] == [
        ("Alpha K.K.", Role.VIEWER), ("Mid K.K.", Role.VIEWER), ("Zeta K.K.", Role.VIEWER),
    ]
    statements = [r.getMessage() for r in caplog.records if r.name == "tortoise.db_client"]
    assert len([s for s in statements if "SELECT" in s.upper()]) == 1, statements


@pytest.mark.parametrize("query", [
    "{ paymentSettings(coverage: JP) { coverage } }",
    "{ invoices { edges { node { number } } } }",
    "{ subscriptions { edges { node { id } } } }",
    '{ invoice(number: "JP-2026-000001") { number } }',
    "{ viewer { account { name } } }",
])
async def test_a_member_of_several_accounts_without_a_header_is_asked_to_choose(gql, token_for, account,
                                                                                 other_account, query):
    await add_member(other_account.id, "owner", Role.VIEWER)
    body = await gql(query, await token_for("owner", "billing:read billing:write"))
    [error] = body["errors"]
    assert error["extensions"]["code"] == NOT_CHOSEN
    assert "X-Account-ID" in error["message"] and "memberships" in error["message"]


async def test_node_and_mutations_ask_to_choose_too(gql, token_for, account, other_account):
    await add_member(other_account.id, "owner", Role.VIEWER)
    token = await token_for("owner", "billing:read billing:write")
    node = await gql("query($id: ID!) { node(id: $id) { id } }", token, {"id": global_id("Account", account.id)})
    assert node["errors"][0]["extensions"]["code"] == NOT_CHOSEN
    mutation = await gql(
        "mutation($id: ID!) { setPurchaseOrderNumber(input: {subscriptionId: $id, poNumber: \"PO-1\"}) "
        "{ errors { code } } }",
        token, {"id": global_id("Subscription", 1)},
    )
    assert mutation["data"] is None
    assert mutation["errors"][0]["extensions"]["code"] == NOT_CHOSEN


async def test_a_field_the_token_has_no_scope_for_stays_forbidden(gql, token_for, account, other_account):
    await add_member(other_account.id, "owner", Role.VIEWER)
    body = await gql("{ pendingInvoiceApplications { edges { node { id } } } }", await token_for("owner", "billing:read"))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
