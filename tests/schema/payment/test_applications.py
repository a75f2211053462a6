"""Applying to pay by invoice; staff listing, approving and rejecting."""

from __future__ import annotations

import pytest

from api.services import invoice_fees
from api.settings import Settings
from billing.accounts import create_account
from models.outbox import OutboxMessage
from notifications.smtp import SmtpServer
from notifications.worker import Worker, WorkerConfig
from tests.support.payment import (
    APPLY,
    APPROVE,
    MERGE,
    OWNER_SCOPES,
    PENDING,
    REJECT,
    SETTINGS,
    application,
    invoice_coverage,
    payload,
)


def codes(body):
    return [(e["code"], e["field"]) for e in body["errors"]]


async def test_an_application_is_pending_once_per_coverage_and_shows_the_fees(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    body = payload(await gql(APPLY, owner, {"input": application("JP")}), "applyForInvoicePayment")
    assert body["errors"] == []
    assert body["application"]["status"] == "PENDING"
    assert body["application"]["switchingFee"] == {"amount": "0", "currency": "JPY"}
    again = payload(await gql(APPLY, owner, {"input": application("JP")}), "applyForInvoicePayment")
    assert codes(again) == [("APPLICATION_PENDING", "coverage")]
    other = payload(await gql(APPLY, owner, {"input": application("GLOBAL")}), "applyForInvoicePayment")
    assert other["errors"] == []
    settings = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")
    assert settings["paymentMethod"] is None and settings["invoiceApplication"]["status"] == "PENDING"


async def test_fees_come_from_the_settings(gql, token_for, account, services, backend):
    if backend == "postgres":
        pytest.skip("settings plumbing, not database behaviour")
    # Services builds the fees once from the environment; the app serves what it built.
    env = {"PORTAL_INVOICE_SWITCHING_FEE_JPY": "500", "PORTAL_INVOICE_MONTHLY_FEE_JPY": "500"}
    services.invoice_fees = invoice_fees(Settings.from_env(env))
    owner = await token_for("owner", OWNER_SCOPES)
    body = payload(await gql(APPLY, owner, {"input": application("JP")}), "applyForInvoicePayment")
    assert body["application"]["switchingFee"] == {"amount": "500", "currency": "JPY"}
    assert body["application"]["monthlyIssueFee"] == {"amount": "500", "currency": "JPY"}


async def test_a_bad_application_names_each_bad_field(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    bad = application("JP", billingEmail="x", postalCode="1234567", taxRegistrationNumber="T7000012050003")
    body = payload(await gql(APPLY, owner, {"input": bad}), "applyForInvoicePayment")
    assert sorted(codes(body)) == [
        ("INVALID", "billingEmail"), ("INVALID", "postalCode"), ("INVALID", "taxRegistrationNumber"),
    ]
    assert body["application"] is None


async def test_approval_switches_the_coverage_to_invoice_and_emails_the_customer(gql, token_for, account):
    owner = await token_for("owner", OWNER_SCOPES)
    app_id = payload(await gql(APPLY, owner, {"input": application("JP")}), "applyForInvoicePayment")["application"]["id"]
    staff = await token_for("staff-1", "admin")
    approved = payload(await gql(APPROVE, staff, {"id": app_id}), "approveInvoiceApplication")
    assert approved["errors"] == [] and approved["application"]["status"] == "APPROVED"
    settings = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")
    assert settings["paymentMethod"] == "INVOICE" and settings["invoiceProfile"]["coverages"] == ["JP"]
    notice = await OutboxMessage.get(kind="invoice_application_decided")
    assert notice.to_addresses == ["billing@acme.example"] and notice.cc_addresses == ["cfo@acme.example"]
    assert notice.data["status"] == "APPROVED"
    twice = payload(await gql(APPROVE, staff, {"id": app_id}), "approveInvoiceApplication")
    assert codes(twice) == [("APPLICATION_DECIDED", "applicationId")]


async def test_rejection_keeps_the_method_and_emails_the_reason(gql, token_for, account, smtp_sink):
    owner = await token_for("owner", OWNER_SCOPES)
    app_id = payload(await gql(APPLY, owner, {"input": application("JP")}), "applyForInvoicePayment")["application"]["id"]
    staff = await token_for("staff-1", "admin")
    empty = payload(await gql(REJECT, staff, {"id": app_id, "reason": " "}), "rejectInvoiceApplication")
    assert codes(empty) == [("REQUIRED", "reason")]
    emailed_as_written = payload(await gql(REJECT, staff, {"id": app_id, "reason": "Not\u202e found"}), "rejectInvoiceApplication")
    assert codes(emailed_as_written) == [("INVALID", "reason")]  # the reason is emailed: no bidi override
    rejected = payload(
        await gql(REJECT, staff, {"id": app_id, "reason": "Company not found in the registry"}), "rejectInvoiceApplication"
    )
    assert rejected["application"]["status"] == "REJECTED"
    settings = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")
    assert settings["paymentMethod"] is None
    assert settings["invoiceApplication"]["rejectionReason"] == "Company not found in the registry"
    notice = await OutboxMessage.get(kind="invoice_application_decided")
    assert notice.data["status"] == "REJECTED" and notice.data["reason"] == "Company not found in the registry"
    worker = Worker(WorkerConfig(mail_from="Billing Portal <billing@portal.test>"), SmtpServer.from_url(smtp_sink.url))
    await worker.drain()
    (mail,) = [r for r in smtp_sink.received if "billing@acme.example" in r.recipients]
    assert sorted(mail.recipients) == ["billing@acme.example", "cfo@acme.example"]
    assert "Company not found in the registry" in mail.message.get_body(("plain",)).get_content()
    # Rejected: the customer may apply again.
    assert payload(await gql(APPLY, owner, {"input": application("JP")}), "applyForInvoicePayment")["errors"] == []


async def test_an_unknown_or_foreign_type_id_is_not_found(gql, token_for, account):
    staff = await token_for("staff-1", "admin")
    profile_like = "SW52b2ljZVByb2ZpbGU6MQ=="  # InvoiceProfile:1
    for app_id in ["SW52b2ljZUFwcGxpY2F0aW9uOjk5OQ==", profile_like]:  # InvoiceApplication:999
        body = payload(await gql(APPROVE, staff, {"id": app_id}), "approveInvoiceApplication")
        assert codes(body) == [("NOT_FOUND", "applicationId")]


async def test_staff_page_through_pending_applications_with_a_keyset_cursor(gql, token_for, account, backend):
    if backend == "postgres":
        pytest.skip("pagination logic; sqlite is enough")
    others = [await create_account(f"Customer {i}", f"owner-{i}") for i in range(2)]
    for subject in ["owner", "owner-0", "owner-1"]:
        token = await token_for(subject, OWNER_SCOPES)
        await gql(APPLY, token, {"input": application("JP")})
    staff = await token_for("staff-1", "admin")
    first = payload(await gql(PENDING, staff, {"first": 2}), "pendingInvoiceApplications")
    assert [e["node"]["account"]["name"] for e in first["edges"]] == ["Acme IoT K.K.", "Customer 0"]
    assert first["pageInfo"]["hasNextPage"] is True
    # A row inserted while paging appears at the end, nothing repeats or is skipped.
    late = await token_for("owner-1", OWNER_SCOPES)
    await gql(APPLY, late, {"input": application("GLOBAL")})
    rest = payload(await gql(PENDING, staff, {"first": 2, "after": first["pageInfo"]["endCursor"]}), "pendingInvoiceApplications")
    assert [(e["node"]["account"]["name"], e["node"]["coverage"]) for e in rest["edges"]] == [
        ("Customer 1", "JP"), ("Customer 1", "GLOBAL"),
    ]
    assert rest["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True, "endCursor": rest["edges"][-1]["cursor"]}
    too_many = await gql(PENDING, staff, {"first": 101})
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    bad_cursor = await gql(PENDING, staff, {"after": "not-a-cursor"})
    assert bad_cursor["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert others


async def test_a_new_application_approved_for_a_merged_coverage_gives_it_its_own_profile(gql, token_for, account):
    jp = await invoice_coverage(gql, token_for, "JP")
    owner = await token_for("owner", OWNER_SCOPES)
    await gql(MERGE, owner, {"from": "JP", "into": "GLOBAL"})
    renamed = await invoice_coverage(gql, token_for, "GLOBAL", companyName="Acme Global Inc.")
    assert renamed["invoiceProfile"]["companyName"] == "Acme Global Inc."
    assert renamed["invoiceProfile"]["coverages"] == ["GLOBAL"]
    still = payload(await gql(SETTINGS, owner, {"coverage": "JP"}), "paymentSettings")["invoiceProfile"]
    assert still["id"] == jp["invoiceProfile"]["id"] and still["coverages"] == ["JP"]
