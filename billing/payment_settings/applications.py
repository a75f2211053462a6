"""Applying to pay a coverage by invoice, and staff deciding on applications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from billing import customer_mail
from billing.access.caller import PAYMENT_READ_SCOPES, Caller
from billing.access.rules import readable, require_staff, require_writer
from billing.errors import BusinessError, ErrorCode
from billing.payment_settings.bill_to import clean_bill_to
from billing.payment_settings.coverages import has_pending_application, lock_coverages
from billing.rules.text import checked_text
from kit.money import Currency, Money
from models.coverage import Coverage
from models.invoice_profile import ApplicationStatus, InvoiceApplication, InvoiceProfile
from models.payment import PaymentMethod, PaymentSettings

MAX_REASON = 1000


@dataclass(frozen=True)
class InvoiceFees:
    """Fees for paying by invoice (settings; 0 today, historically 500 JPY each)."""

    switching_fee_jpy: int = 0
    monthly_fee_jpy: int = 0


def application_fees(application: InvoiceApplication) -> tuple[Money, Money]:
    """The switching fee and monthly issue fee in force when the application was filed."""
    return (
        Money.of_minor_units(application.switching_fee_jpy, Currency.JPY),
        Money.of_minor_units(application.monthly_fee_jpy, Currency.JPY),
    )


async def apply_for_invoice_payment(
    caller: Caller, fees: InvoiceFees, coverage: Coverage, bill_to: dict[str, Any]
) -> InvoiceApplication:
    """A PENDING application for ``coverage`` (one pending per coverage)."""
    account_id = require_writer(caller)
    clean = clean_bill_to(bill_to)
    async with in_transaction():
        await lock_coverages(account_id)
        if await has_pending_application(account_id, coverage):
            raise BusinessError.single(
                ErrorCode.APPLICATION_PENDING, f"An application for {coverage.value} is already pending.", "coverage"
            )
        return await InvoiceApplication.create(
            account_id=account_id,
            coverage=coverage,
            switching_fee_jpy=fees.switching_fee_jpy,
            monthly_fee_jpy=fees.monthly_fee_jpy,
            applied_by=caller.subject,
            **clean,
        )


def pending_applications(caller: Caller) -> QuerySet[InvoiceApplication]:
    """Pending applications, for staff."""
    require_staff(caller, "review invoice applications")
    return InvoiceApplication.filter(status=ApplicationStatus.PENDING)


async def applications_by_id(caller: Caller, ids: list[int]) -> dict[int, InvoiceApplication]:
    """Applications the caller may see: staff all, customers with a payment-reading
    scope their account's."""
    query = readable(InvoiceApplication.filter(id__in=ids), caller, scopes=PAYMENT_READ_SCOPES)
    return {row.id: row for row in await query}


async def _pending(application_id: int) -> tuple[InvoiceApplication, dict[Coverage, PaymentSettings]]:
    """The pending application, locked, with its account's settings rows (locked first)."""
    application = await InvoiceApplication.get_or_none(id=application_id)
    if application is None:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such application.", "applicationId")
    rows = await lock_coverages(application.account_id)
    application = await InvoiceApplication.filter(id=application_id).select_for_update().get()
    if application.status is not ApplicationStatus.PENDING:
        decided = application.status.value.lower()
        raise BusinessError.single(
            ErrorCode.APPLICATION_DECIDED, f"The application was already {decided}.", "applicationId"
        )
    return application, rows


async def approve_application(caller: Caller, application_id: int) -> InvoiceApplication:
    """Create the coverage's invoice profile from the application and switch the
    coverage to INVOICE. A merged partner coverage keeps the profile it had."""
    require_staff(caller, "decide on invoice applications")
    async with in_transaction():
        application, rows = await _pending(application_id)
        profile = await InvoiceProfile.create(
            account_id=application.account_id, home_coverage=application.coverage, **application.bill_to()
        )
        row = rows[application.coverage]
        row.payment_method, row.invoice_profile_id = PaymentMethod.INVOICE, profile.id
        await row.save(update_fields=["payment_method", "invoice_profile_id", "updated_at"])
        await _decide(application, caller, ApplicationStatus.APPROVED, profile=profile)
    return application


async def reject_application(caller: Caller, application_id: int, reason: str) -> InvoiceApplication:
    """Refuse the application with a reason the customer is emailed."""
    require_staff(caller, "decide on invoice applications")
    reason = checked_text(reason, "reason", MAX_REASON)
    async with in_transaction():
        application, _ = await _pending(application_id)
        application.rejection_reason = reason
        await _decide(application, caller, ApplicationStatus.REJECTED)
    return application


async def _decide(
    application: InvoiceApplication, caller: Caller, status: ApplicationStatus, profile: InvoiceProfile | None = None
) -> None:
    application.status, application.decided_by = status, caller.subject
    application.decided_at = datetime.now(UTC)
    application.profile_id = profile.id if profile else None
    await application.save()
    await customer_mail.application_decided(application)
