"""Editing the invoice profile: partial, versioned, validated, with history and notices."""

from __future__ import annotations

import pytest

from models.outbox import OutboxMessage
from notifications.smtp import SmtpServer
from notifications.worker import Worker, WorkerConfig
from tests.support.payment import (
    OWNER_SCOPES,
    SETTINGS,
    UPDATE,
    invoice_coverage,
    payload,
)


async def update(gql, token, **fields):
    variables = {"input": {"coverage": "JP", **fields}}
    return payload(await gql(UPDATE, token, variables), "updateInvoiceProfile")


def codes(body):
    return [(e["code"], e["field"]) for e in body["errors"]]


async def test_only_the_given_fields_change_and_null_clears_an_optional_one(gql, token_for, account):
    before = (await invoice_coverage(gql, token_for, "JP"))["invoiceProfile"]
    owner = await token_for("owner", OWNER_SCOPES)
    body = await update(gql, owner, expectedVersion=1, department=None, ccEmails=["a@acme.example", "b@acme.example"])
    after = body["invoiceProfile"]
    assert body["errors"] == [] and after["version"] == 2
    assert after["department"] is None and after["ccEmails"] == ["a@acme.example", "b@acme.example"]
    unchanged = {k for k in before if k not in ("department", "ccEmails", "version", "updatedAt", "history")}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


async def test_a_stale_version_is_a_conflict_and_writes_nothing(gql, token_for, account):
    await invoice_coverage(gql, token_for, "JP")
    owner = await token_for("owner", OWNER_SCOPES)
    assert (await update(gql, owner, expectedVersion=1, city="Naha"))["errors"] == []
    stale = await update(gql, owner, expectedVersion=1, city="Sapporo", billingEmail="taker@evil.example")
    assert codes(stale) == [("VERSION_CONFLICT", "expectedVersion")] and stale["invoiceProfile"] is None
    assert not await OutboxMessage.exists(kind="billing_email_changed")
    profile = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")["invoiceProfile"]
    assert profile["city"] == "Naha" and profile["version"] == 2
    assert len(profile["history"]["edges"]) == 1


async def test_the_company_name_cannot_be_edited(gql, token_for, account):
    await invoice_coverage(gql, token_for, "JP")
    owner = await token_for("owner", OWNER_SCOPES)
    body = await update(gql, owner, expectedVersion=1, companyName="Someone Else K.K.")
    assert codes(body) == [("IMMUTABLE_FIELD", "companyName")]


async def test_an_edit_that_changes_nothing_keeps_the_version(gql, token_for, account):
    await invoice_coverage(gql, token_for, "JP")
    owner = await token_for("owner", OWNER_SCOPES)
    body = await update(gql, owner, expectedVersion=1, city=" Chiyoda-ku ", companyName="Acme IoT K.K.")
    assert body["errors"] == [] and body["invoiceProfile"]["version"] == 1


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"billingEmail": "nope"}, "billingEmail", "INVALID"),
        ({"ccEmails": [f"c{i}@acme.example" for i in range(6)]}, "ccEmails", "INVALID"),
        ({"phone": "call me"}, "phone", "INVALID"),
        ({"postalCode": "1000001"}, "postalCode", "INVALID"),
        ({"country": "US"}, "postalCode", "INVALID"),  # the stored JP postal code no longer fits
        ({"taxRegistrationNumber": "T7000012050003"}, "taxRegistrationNumber", "INVALID"),
        ({"contactName": "x" * 101}, "contactName", "TOO_LONG"),
        ({"addressLines": []}, "addressLines", "REQUIRED"),
    ],
)
async def test_a_bad_edit_names_the_field_and_writes_nothing(gql, token_for, account, backend, fields, field, code):
    if backend == "postgres" and field not in ("billingEmail", "postalCode"):
        pytest.skip("the rules are the same on both databases; sqlite covers the rest")
    await invoice_coverage(gql, token_for, "JP")
    owner = await token_for("owner", OWNER_SCOPES)
    body = await update(gql, owner, expectedVersion=1, **fields)
    assert codes(body) == [(code, field)]
    profile = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")["invoiceProfile"]
    assert profile["version"] == 1


async def test_a_bad_enum_value_is_refused_by_the_schema(gql, token_for, account):
    await invoice_coverage(gql, token_for, "JP")
    owner = await token_for("owner", OWNER_SCOPES)
    body = await gql(UPDATE, owner, {"input": {"coverage": "JP", "expectedVersion": 1, "deliveryMethod": "FAX"}})
    assert "deliveryMethod" in body["errors"][0]["message"] and body.get("data") is None


async def test_a_billing_email_change_notifies_old_and_new_address(gql, token_for, account, smtp_sink):
    await invoice_coverage(gql, token_for, "JP")
    owner = await token_for("owner", OWNER_SCOPES)
    body = await update(gql, owner, expectedVersion=1, billingEmail="new-billing@acme.example")
    assert body["errors"] == []
    notice = await OutboxMessage.get(kind="billing_email_changed")
    assert notice.to_addresses == ["billing@acme.example", "new-billing@acme.example"]
    assert notice.account_id == account.id

    worker = Worker(WorkerConfig(mail_from="Billing Portal <billing@portal.test>"), SmtpServer.from_url(smtp_sink.url))
    await worker.drain()
    sent = [r for r in smtp_sink.received if "new-billing@acme.example" in r.message["Subject"] + r.message.get_body(("plain",)).get_content()]
    recipients = sorted(rcpt for received in sent for rcpt in received.recipients)
    assert recipients == ["billing@acme.example", "new-billing@acme.example"]
    text = sent[0].message.get_body(("plain",)).get_content()
    assert "billing@acme.example" in text and "請求先メールアドレス" in sent[0].message["Subject"]


async def test_an_edit_without_a_new_billing_email_sends_no_notice(gql, token_for, account):
    await invoice_coverage(gql, token_for, "JP")
    owner = await token_for("owner", OWNER_SCOPES)
    await update(gql, owner, expectedVersion=1, city="Naha")
    assert not await OutboxMessage.exists(kind="billing_email_changed")
