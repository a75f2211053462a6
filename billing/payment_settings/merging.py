"""Merging invoice payment across the two coverages, and undoing it.

Merged coverages point to the same invoice profile; unmerging gives one of them
its own copy. Both run under the account's settings-row locks (fixed order), so
concurrent merges, unmerges and edits from either side serialise.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from billing.access.caller import Caller
from billing.access.rules import require_writer
from billing.errors import BusinessError, ErrorCode
from billing.payment_settings.coverages import (
    CoverageSettings,
    coverage_settings,
    has_pending_application,
    lock_coverages,
)
from models.coverage import Coverage
from models.invoice_profile import InvoiceProfile
from models.payment import PaymentMethod


async def merge_invoice_payment(caller: Caller, source: Coverage, into: Coverage) -> CoverageSettings:
    """Make ``into`` pay by invoice through ``source``'s profile; returns ``into``'s settings."""
    account_id = require_writer(caller)
    if source is into:
        raise BusinessError.single(ErrorCode.INVALID, "A coverage cannot be merged into itself.", "into")
    async with in_transaction():
        rows = await lock_coverages(account_id)
        src, dst = rows[source], rows[into]
        if src.payment_method is not PaymentMethod.INVOICE or src.invoice_profile_id is None:
            raise BusinessError.single(
                ErrorCode.NOT_PAYING_BY_INVOICE, f"{source.value} does not pay by invoice.", "from"
            )
        if dst.invoice_profile_id == src.invoice_profile_id:
            raise BusinessError.single(ErrorCode.ALREADY_MERGED, "The coverages are already merged.", "into")
        if dst.invoice_profile_id is not None:
            raise BusinessError.single(
                ErrorCode.HAS_OWN_INVOICE_PROFILE,
                f"{into.value} has its own invoice profile; it cannot be merged.",
                "into",
            )
        if await has_pending_application(account_id, into):
            raise BusinessError.single(
                ErrorCode.APPLICATION_PENDING, f"{into.value} has a pending invoice application.", "into"
            )
        dst.payment_method, dst.invoice_profile_id = PaymentMethod.INVOICE, src.invoice_profile_id
        await dst.save(update_fields=["payment_method", "invoice_profile_id", "updated_at"])
    return await coverage_settings(account_id, into)


async def unmerge_invoice_payment(caller: Caller, coverage: Coverage) -> CoverageSettings:
    """Give ``coverage`` its own copy of the shared profile; later edits no longer cross."""
    account_id = require_writer(caller)
    async with in_transaction():
        rows = await lock_coverages(account_id)
        row, other = rows[coverage], rows[coverage.other]
        if row.invoice_profile_id is None or row.invoice_profile_id != other.invoice_profile_id:
            raise BusinessError.single(
                ErrorCode.NOT_MERGED, f"{coverage.value} does not share an invoice profile.", "coverage"
            )
        shared = await InvoiceProfile.get(id=row.invoice_profile_id)
        copy = await InvoiceProfile.create(account_id=account_id, home_coverage=coverage, **shared.bill_to())
        row.invoice_profile_id = copy.id
        await row.save(update_fields=["invoice_profile_id", "updated_at"])
    return await coverage_settings(account_id, coverage)
