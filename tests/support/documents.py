"""Helpers for the invoice document tests: issue a JP invoice through the billing
run, read a PDF's text, and the settings production needs."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from typing import Any

from pypdf import PdfReader

from api.services import billing_policy
from api.settings import Settings
from billing.documents.stored import render_pending
from billing.policy import BillingPolicy
from models.accounts import Account
from models.coverage import Coverage
from models.invoice_profile import Language
from models.terms import TaxCategory
from tests.support.invoicing import activate, book, give_profile, line, run_billing

ISSUE_DAY = date(2026, 3, 2)

OWN_PRINTED_VALUES = {
    "PORTAL_ISSUER_NAME": "Acme Cloud K.K.",
    "PORTAL_ISSUER_REGISTRATION_NUMBER": "T9234567890123",
    "PORTAL_BANK_NAME": "みずほ銀行",
    "PORTAL_BANK_BRANCH": "渋谷支店",
    "PORTAL_BANK_ACCOUNT_TYPE": "CHECKING",
    "PORTAL_BANK_ACCOUNT_NUMBER": "7654321",
    "PORTAL_BANK_ACCOUNT_HOLDER": "ｶ)ｱｸﾒｸﾗｳﾄﾞ",
}
"""What a production start-up must set (not the development samples)."""

PRODUCTION_ENV = {"PORTAL_ENV": "production", "PORTAL_ISSUER": "https://portal.example.com", **OWN_PRINTED_VALUES}


async def issue_jp_invoice(account: Account, settings: Settings, *, rendered: bool = True, **policy: Any) -> str:
    """Issue one Japanese JP invoice (a standard and a reduced-rate line) to
    ``account`` through the billing run, with the bank of ``settings``; its number.
    With ``rendered``, the worker then renders its document, as it does after a run."""
    issuing = await jp_invoice_due(account, settings, **policy)
    report = await run_billing(ISSUE_DAY, policy=issuing)
    (number,) = report.issued
    if rendered:
        assert await render_pending(issuing.bank) == 1
    return number


async def jp_invoice_due(account: Account, settings: Settings, **policy: Any) -> BillingPolicy:
    """Make a JP invoice due on ``ISSUE_DAY`` (a Japanese invoice profile, an order of
    a standard and a reduced-rate line); the policy to issue it with."""
    await give_profile(account, Coverage.JP, language=Language.JA)
    _, rows = await book(account, [line("Compute", "1005"), line("Food", "2000", tax=TaxCategory.REDUCED)],
                         coverage=Coverage.JP, booked_on=ISSUE_DAY, start=ISSUE_DAY, end=date(2027, 3, 1))
    for row in rows:
        await activate(row, ISSUE_DAY)
    return with_policy(billing_policy(settings), **policy)


def with_policy(base: BillingPolicy, **changes: Any) -> BillingPolicy:
    return replace(base, **changes)


def pdf_text(pdf: bytes) -> str:
    """The text of every page, as pypdf extracts it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
