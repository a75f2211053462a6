"""Merging invoice payment across coverages, both ways, and its refusals."""

from __future__ import annotations

from tests.support.payment import (
    APPLY,
    MERGE,
    OWNER_SCOPES,
    REGISTER_CARD,
    SETTINGS,
    UNMERGE,
    UPDATE,
    application,
    invoice_coverage,
    payload,
)


def codes(body):
    return [(e["code"], e["field"]) for e in body["errors"]]


async def test_global_merges_into_jp_the_reverse_way(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    global_ = await invoice_coverage(gql, token_for, "GLOBAL", country="US", postalCode="94105", taxRegistrationNumber=None)
    await gql(REGISTER_CARD, owner, {"input": {"coverage": "JP", "token": "tok_visa_4242_12_2030"}})
    merged = payload(await gql(MERGE, owner, {"from": "GLOBAL", "into": "JP"}), "mergeInvoicePayment")
    assert merged["errors"] == []
    assert merged["paymentSettings"]["paymentMethod"] == "INVOICE"
    assert merged["paymentSettings"]["invoiceProfile"]["id"] == global_["invoiceProfile"]["id"]
    edited = payload(
        await gql(UPDATE, owner, {"input": {"coverage": "JP", "expectedVersion": 1, "phone": "+1 415 555 0100"}}),
        "updateInvoiceProfile",
    )
    assert edited["errors"] == []
    seen = payload(await gql(SETTINGS, owner, {"coverage": "GLOBAL"}), "paymentSettings")["invoiceProfile"]
    assert seen["phone"] == "+1 415 555 0100" and seen["coverages"] == ["JP", "GLOBAL"]


async def test_merge_is_refused_when_from_does_not_pay_by_invoice(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    body = payload(await gql(MERGE, owner, {"from": "JP", "into": "GLOBAL"}), "mergeInvoicePayment")
    assert codes(body) == [("NOT_PAYING_BY_INVOICE", "from")] and body["paymentSettings"] is None


async def test_merge_is_refused_into_itself_into_an_own_profile_and_when_already_merged(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    await invoice_coverage(gql, token_for, "JP")
    same = payload(await gql(MERGE, owner, {"from": "JP", "into": "JP"}), "mergeInvoicePayment")
    assert codes(same) == [("INVALID", "into")]
    await invoice_coverage(gql, token_for, "GLOBAL", companyName="Acme Global Inc.")
    own = payload(await gql(MERGE, owner, {"from": "JP", "into": "GLOBAL"}), "mergeInvoicePayment")
    assert codes(own) == [("HAS_OWN_INVOICE_PROFILE", "into")]


async def test_merging_twice_is_refused_and_unmerging_an_unmerged_coverage_too(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    await invoice_coverage(gql, token_for, "JP")
    not_merged = payload(await gql(UNMERGE, owner, {"coverage": "JP"}), "unmergeInvoicePayment")
    assert codes(not_merged) == [("NOT_MERGED", "coverage")]
    assert payload(await gql(MERGE, owner, {"from": "JP", "into": "GLOBAL"}), "mergeInvoicePayment")["errors"] == []
    again = payload(await gql(MERGE, owner, {"from": "GLOBAL", "into": "JP"}), "mergeInvoicePayment")
    assert codes(again) == [("ALREADY_MERGED", "into")]


async def test_merge_is_refused_while_into_has_a_pending_application(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    await invoice_coverage(gql, token_for, "JP")
    await gql(APPLY, owner, {"input": application("GLOBAL")})
    body = payload(await gql(MERGE, owner, {"from": "JP", "into": "GLOBAL"}), "mergeInvoicePayment")
    assert codes(body) == [("APPLICATION_PENDING", "into")]


async def test_unmerging_the_original_side_leaves_the_other_on_the_shared_profile(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    jp = await invoice_coverage(gql, token_for, "JP")
    await gql(MERGE, owner, {"from": "JP", "into": "GLOBAL"})
    body = payload(await gql(UNMERGE, owner, {"coverage": "JP"}), "unmergeInvoicePayment")
    assert body["errors"] == [] and body["paymentSettings"]["invoiceProfile"]["coverages"] == ["JP"]
    global_ = payload(await gql(SETTINGS, owner, {"coverage": "GLOBAL"}), "paymentSettings")["invoiceProfile"]
    assert global_["id"] == jp["invoiceProfile"]["id"] and global_["coverages"] == ["GLOBAL"]
    assert body["paymentSettings"]["invoiceProfile"]["id"] != global_["id"]
