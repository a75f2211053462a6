"""``viewer`` and ``node``: who the caller is, and what it may see."""

from __future__ import annotations

from strawberry.relay import to_base64

from billing.accounts import add_member
from models.accounts import Role

VIEWER = "{ viewer { subject scopes role isStaff clientId account { id name } } }"


async def test_member_sees_their_role_and_account(gql, token_for, account):
    body = await gql(VIEWER, await token_for("billing", "billing:read billing:write"))
    viewer = body["data"]["viewer"]
    assert viewer["subject"] == "billing"
    assert viewer["role"] == "BILLING_ADMIN"
    assert viewer["scopes"] == ["billing:read", "billing:write"]
    assert viewer["isStaff"] is False
    assert viewer["clientId"] == "portal-console"
    assert viewer["account"] == {"id": to_base64("Account", account.id), "name": "Acme IoT K.K."}


async def test_staff_act_for_no_account(gql, token_for, account):
    viewer = (await gql(VIEWER, await token_for("staff-1", "admin")))["data"]["viewer"]
    assert viewer["isStaff"] is True and viewer["account"] is None and viewer["role"] is None


async def test_node_resolves_own_account(gql, token_for, account):
    query = "query($id: ID!) { node(id: $id) { id ... on Account { name } } }"
    body = await gql(query, await token_for("viewer", "billing:read"), {"id": to_base64("Account", account.id)})
    assert body["data"]["node"]["name"] == "Acme IoT K.K."


async def test_node_of_another_account_answers_like_a_missing_one(gql, token_for, account, other_account):
    query = "query($id: ID!) { node(id: $id) { id } }"
    token = await token_for("owner", "billing:read")
    foreign = await gql(query, token, {"id": to_base64("Account", other_account.id)})
    missing = await gql(query, token, {"id": to_base64("Account", "00000000-0000-0000-0000-000000000000")})
    assert foreign == missing == {"data": {"node": None}}


async def test_member_of_several_accounts_chooses_one_with_header(gql, token_for, account, other_account):
    await add_member(other_account.id, "owner", Role.VIEWER)
    token = await token_for("owner", "billing:read")
    ambiguous = await gql(VIEWER, token)
    assert ambiguous["data"]["viewer"]["account"] is None and ambiguous["data"]["viewer"]["role"] is None
    assert ambiguous["errors"][0]["extensions"]["code"] == "ACCOUNT_NOT_CHOSEN"
    assert "X-Account-ID" in ambiguous["errors"][0]["message"]
    chosen = await gql(VIEWER, token, X_Account_ID=str(other_account.id))
    assert chosen["data"]["viewer"]["account"]["name"] == "Other Corp"
    assert chosen["data"]["viewer"]["role"] == "VIEWER"


async def test_subject_who_is_no_member_is_refused(gql, token_for, account):
    from models.accounts import Member

    token = await token_for("viewer", "billing:read")
    await Member.filter(subject="viewer").delete()
    response = await gql.post(VIEWER, token)
    assert response.status_code == 401
