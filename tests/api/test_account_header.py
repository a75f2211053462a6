"""``X-Account-ID`` names the account a member of several accounts acts for, with the
same global id the API and the CLI print."""

from __future__ import annotations

from billing.accounts import add_member
from models.accounts import Role
from schema.ids import global_id

VIEWER = "{ viewer { account { id name } } }"


async def test_the_header_takes_the_global_id_the_api_returns(gql, token_for, account, other_account):
    await add_member(other_account.id, "owner", Role.VIEWER)
    token = await token_for("owner", "billing:read")
    chosen = await gql(VIEWER, token, X_Account_ID=global_id("Account", other_account.id))
    assert chosen["data"]["viewer"]["account"] == {"id": global_id("Account", other_account.id), "name": "Other Corp"}
    by_uuid = await gql(VIEWER, token, X_Account_ID=str(account.id))
    assert by_uuid["data"]["viewer"]["account"]["name"] == "Acme IoT K.K."


async def test_a_header_that_is_no_account_id_is_refused(gql, token_for, account):
    token = await token_for("owner", "billing:read")
    for header in ["not-an-id", global_id("Invoice", 1), global_id("Account", "zzz")]:
        response = await gql.post(VIEWER, token, X_Account_ID=header)
        assert response.status_code == 401
        assert "X-Account-ID is not an account id" in response.json()["errors"][0]["message"]


async def test_a_member_of_several_accounts_without_the_header_is_signed_in_and_asked_to_choose(
    gql, token_for, account, other_account
):
    await add_member(other_account.id, "owner", Role.VIEWER)
    token = await token_for("owner", "billing:read")
    response = await gql.post(
        '{ viewer { subject memberships { role } } invoice(number: "JP-2026-000001") { number } }', token
    )
    assert response.status_code == 200, response.text  # not 401: the token is fine, only the account is unchosen
    assert "www-authenticate" not in response.headers
    body = response.json()
    assert body["data"] == {"viewer": {"subject": "owner", "memberships": [{"role": "OWNER"}, {"role": "VIEWER"}]},
                            "invoice": None}
    [error] = body["errors"]
    assert error["path"] == ["invoice"]
    assert error["extensions"]["code"] == "ACCOUNT_NOT_CHOSEN"
    assert "X-Account-ID" in error["message"]


async def test_a_header_naming_an_account_of_which_the_subject_is_no_member_is_refused(
    gql, token_for, account, other_account
):
    token = await token_for("owner", "billing:read")
    response = await gql.post(VIEWER, token, X_Account_ID=global_id("Account", other_account.id))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "not a member of the account X-Account-ID names" in response.headers["www-authenticate"]


async def test_a_member_of_one_account_needs_no_header(gql, token_for, account, other_account):
    body = await gql(VIEWER, await token_for("viewer", "billing:read"))
    assert body == {"data": {"viewer": {"account": {"id": global_id("Account", account.id), "name": "Acme IoT K.K."}}}}
