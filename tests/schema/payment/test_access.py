"""Who may do what: viewers read only, staff decide, other accounts see nothing."""

from __future__ import annotations

from tests.support.payment import (
    APPLY,
    APPROVE,
    MERGE,
    OWNER_SCOPES,
    PENDING,
    SETTINGS,
    UPDATE,
    application,
    invoice_coverage,
    payload,
)

NODE = "query Node($id: ID!) { node(id: $id) { id ... on InvoiceProfile { companyName } } }"


async def test_a_viewer_reads_but_cannot_write(gql, token_for, account):
    jp = await invoice_coverage(gql, token_for, "JP")
    viewer_read = await token_for("viewer", "billing:read")
    seen = payload(await gql(SETTINGS, viewer_read, {"coverage": "JP"}), "paymentSettings")
    assert seen["invoiceProfile"]["id"] == jp["invoiceProfile"]["id"]

    refused = await gql(UPDATE, viewer_read, {"input": {"coverage": "JP", "expectedVersion": 1, "city": "Naha"}})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Even a viewer holding the write scope is refused: the role decides, and the
    # refusal looks exactly like a missing scope (one code, one channel).
    viewer_write = await token_for("viewer", OWNER_SCOPES)
    body = await gql(UPDATE, viewer_write, {"input": {"coverage": "JP", "expectedVersion": 1, "city": "Naha"}})
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    merge = await gql(MERGE, viewer_write, {"from": "JP", "into": "GLOBAL"})
    assert merge["data"] is None
    assert [e["extensions"]["code"] for e in merge["errors"]] == ["FORBIDDEN"]
    owner = await token_for("owner", OWNER_SCOPES)
    after = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")["invoiceProfile"]
    assert after["city"] == "Chiyoda-ku" and after["version"] == 1


async def test_a_billing_admin_may_edit(gql, token_for, account):
    await invoice_coverage(gql, token_for, "JP")
    billing = await token_for("billing", OWNER_SCOPES)
    body = payload(
        await gql(UPDATE, billing, {"input": {"coverage": "JP", "expectedVersion": 1, "city": "Naha"}}),
        "updateInvoiceProfile",
    )
    assert body["errors"] == [] and body["invoiceProfile"]["city"] == "Naha"


async def test_another_account_sees_nothing_of_this_one(gql, token_for, account, other_account):
    jp = await invoice_coverage(gql, token_for, "JP")
    intruder = await token_for("intruder", OWNER_SCOPES)
    theirs = payload(await gql(SETTINGS, intruder, {"coverage": "JP"}), "paymentSettings")
    assert theirs["paymentMethod"] is None and theirs["invoiceProfile"] is None and theirs["invoiceApplication"] is None
    profile_id = jp["invoiceProfile"]["id"]
    assert (await gql(NODE, intruder, {"id": profile_id}))["data"]["node"] is None
    assert (await gql(NODE, intruder, {"id": jp["invoiceApplication"]["id"]}))["data"]["node"] is None
    owner = await token_for("owner", OWNER_SCOPES)
    assert (await gql(NODE, owner, {"id": profile_id}))["data"]["node"]["companyName"] == "Acme IoT K.K."
    # Their writes act on their own (empty) coverage, never on this account's profile.
    body = payload(
        await gql(UPDATE, intruder, {"input": {"coverage": "JP", "expectedVersion": 1, "city": "Evil"}}),
        "updateInvoiceProfile",
    )
    assert [e["code"] for e in body["errors"]] == ["NOT_PAYING_BY_INVOICE"]


async def test_only_staff_list_and_decide_applications(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    applied = payload(await gql(APPLY, owner, {"input": application("JP")}), "applyForInvoicePayment")
    app_id = applied["application"]["id"]
    listing = await gql(PENDING, owner, {})
    assert listing["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    approve = await gql(APPROVE, owner, {"id": app_id})
    assert approve["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    staff = await token_for("staff-1", "admin")
    assert (await gql(NODE, staff, {"id": app_id}))["data"]["node"]["id"] == app_id
