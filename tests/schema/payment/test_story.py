"""The end-to-end story of the issue, over HTTP with real tokens."""

from __future__ import annotations

from tests.support.payment import (
    MERGE,
    OWNER_SCOPES,
    SETTINGS,
    UNMERGE,
    UPDATE,
    invoice_coverage,
    payload,
)


async def test_apply_approve_edit_merge_edit_from_other_side_unmerge_and_diverge(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    jp = await invoice_coverage(gql, token_for, "JP")
    assert jp["paymentMethod"] == "INVOICE"
    assert jp["invoiceApplication"]["status"] == "APPROVED"
    profile = jp["invoiceProfile"]
    assert profile["version"] == 1 and profile["coverages"] == ["JP"]

    edited = payload(
        await gql(UPDATE, owner, {"input": {"coverage": "JP", "expectedVersion": 1, "contactName": "Taro Sato"}}),
        "updateInvoiceProfile",
    )
    assert edited["errors"] == [] and edited["invoiceProfile"]["version"] == 2

    merged = payload(await gql(MERGE, owner, {"from": "JP", "into": "GLOBAL"}), "mergeInvoicePayment")
    assert merged["errors"] == []
    assert merged["paymentSettings"]["paymentMethod"] == "INVOICE"
    assert merged["paymentSettings"]["invoiceProfile"]["id"] == profile["id"]
    assert merged["paymentSettings"]["invoiceProfile"]["coverages"] == ["JP", "GLOBAL"]

    from_global = payload(
        await gql(UPDATE, owner, {"input": {"coverage": "GLOBAL", "expectedVersion": 2, "city": "Minato-ku"}}),
        "updateInvoiceProfile",
    )
    assert from_global["errors"] == []
    seen_from_jp = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")["invoiceProfile"]
    assert seen_from_jp["city"] == "Minato-ku" and seen_from_jp["version"] == 3
    assert seen_from_jp["id"] == profile["id"]

    unmerged = payload(await gql(UNMERGE, owner, {"coverage": "GLOBAL"}), "unmergeInvoicePayment")
    assert unmerged["errors"] == []
    own_copy = unmerged["paymentSettings"]["invoiceProfile"]
    assert own_copy["id"] != profile["id"] and own_copy["coverages"] == ["GLOBAL"]

    again = payload(
        await gql(UPDATE, owner, {"input": {"coverage": "GLOBAL", "expectedVersion": own_copy["version"], "city": "Shibuya-ku"}}),
        "updateInvoiceProfile",
    )
    assert again["errors"] == []
    jp_after = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")["invoiceProfile"]
    global_after = payload(await gql(SETTINGS, owner, {"coverage": "GLOBAL"}), "paymentSettings")["invoiceProfile"]
    assert (jp_after["city"], global_after["city"]) == ("Minato-ku", "Shibuya-ku")
    assert jp_after["coverages"] == ["JP"]
    history = [edge["node"] for edge in jp_after["history"]["edges"]]
    assert [(h["field"], h["oldValue"], h["newValue"], h["changedBy"]) for h in history] == [
        ("city", "Chiyoda-ku", "Minato-ku", "owner"),
        ("contactName", "Hanako Yamada", "Taro Sato", "owner"),
    ]
