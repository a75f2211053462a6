"""Credit cards on a coverage, through the injected payment gateway."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from billing.access.caller import Caller
from billing.access.rules import require_writer
from billing.customer_mail import default_language
from billing.errors import BusinessError, ErrorCode
from billing.payment_settings.coverages import (
    CoverageSettings,
    coverage_settings,
    lock_coverages,
)
from billing.payment_settings.gateway import CardRefused, PaymentGateway
from billing.rules.email_address import is_email
from models.coverage import Coverage
from models.invoice_profile import Language
from models.payment import PaymentMethod, PaymentSettings

_SWITCH_FIELD = "confirmSwitchFromInvoice"
# A gateway's refusal codes; any other code from a gateway is treated as a decline.
_REFUSALS = {code.value: code for code in (ErrorCode.CARD_DECLINED, ErrorCode.CARD_EXPIRED, ErrorCode.INVALID)}


def _refuse_unconfirmed_switch(row: PaymentSettings | None, confirmed: bool) -> None:
    if row is not None and row.payment_method is PaymentMethod.INVOICE and not confirmed:
        raise BusinessError.single(
            ErrorCode.SWITCH_NOT_CONFIRMED,
            "This coverage pays by invoice; set confirmSwitchFromInvoice to switch it to card payment.",
            _SWITCH_FIELD,
        )


def _receipt_email(row: PaymentSettings | None, given: str | None) -> str:
    """The address card invoices are mailed to: the one given, else the one on file."""
    if given is not None:
        given = given.strip()
        if not is_email(given):
            raise BusinessError.single(ErrorCode.INVALID, "receiptEmail is not a valid email address.", "receiptEmail")
        return given
    if row is not None and row.receipt_email:
        return row.receipt_email
    raise BusinessError.single(
        ErrorCode.REQUIRED, "receiptEmail is required: invoices paid by card are emailed there.", "receiptEmail"
    )


async def register_credit_card(
    caller: Caller,
    gateway: PaymentGateway,
    coverage: Coverage,
    token: str,
    *,
    confirm_switch: bool = False,
    receipt_email: str | None = None,
    receipt_language: Language | None = None,
) -> CoverageSettings:
    """Attach the tokenised card to ``coverage`` and make it pay by card.

    A refused token changes nothing (the previous card stays). A coverage paying by
    invoice switches only when ``confirm_switch`` is set; it then leaves its
    invoice profile (a merged partner coverage keeps it). Invoices paid by card are
    emailed to ``receipt_email`` (required with the first card, kept afterwards).
    """
    account_id = require_writer(caller)
    current = await PaymentSettings.get_or_none(account_id=account_id, coverage=coverage)
    _refuse_unconfirmed_switch(current, confirm_switch)
    _receipt_email(current, receipt_email)
    result = await gateway.attach_card(token.strip())
    if isinstance(result, CardRefused):
        raise BusinessError.single(_REFUSALS.get(result.code, ErrorCode.CARD_DECLINED), result.message, "token")
    async with in_transaction():
        row = (await lock_coverages(account_id))[coverage]
        _refuse_unconfirmed_switch(row, confirm_switch)
        row.payment_method = PaymentMethod.CREDIT_CARD
        row.card_brand, row.card_last4 = result.brand, result.last4
        row.card_exp_month, row.card_exp_year = result.exp_month, result.exp_year
        row.card_reference, row.card_error_code = result.reference, None
        row.invoice_profile_id = None
        row.receipt_email = _receipt_email(row, receipt_email)
        row.receipt_language = receipt_language or row.receipt_language or default_language(coverage)
        await row.save()
    return await coverage_settings(account_id, coverage)


async def record_card_error(account_id: uuid.UUID, coverage: Coverage, error_code: str) -> None:
    """Mark the coverage's card as in error (e.g. a declined charge); the code shows
    until the customer registers another card. For the invoicing engine."""
    await PaymentSettings.filter(account_id=account_id, coverage=coverage).update(card_error_code=error_code)
