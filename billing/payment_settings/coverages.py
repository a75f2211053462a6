"""Reading a coverage's payment settings, and the locking every write goes through.

Writes lock *both* coverages' settings rows of the account, always in the same
order, inside the use case's transaction: a merge, an unmerge and an edit from
either side therefore run one after the other, never interleaved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.access.caller import Caller
from models.coverage import Coverage
from models.invoice_profile import ApplicationStatus, InvoiceApplication, InvoiceProfile
from models.payment import PaymentSettings


@dataclass(frozen=True)
class ProfileView:
    """A profile and the coverages that pay through it (derived from the settings rows)."""

    profile: InvoiceProfile
    coverages: tuple[Coverage, ...]


@dataclass(frozen=True)
class CoverageSettings:
    """What one coverage shows: its settings row (None before any change), the
    invoice profile it pays through and its latest invoice application."""

    account_id: uuid.UUID | None
    coverage: Coverage
    settings: PaymentSettings | None
    profile: ProfileView | None
    application: InvoiceApplication | None


async def lock_coverages(account_id: uuid.UUID) -> dict[Coverage, PaymentSettings]:
    """Both settings rows of the account, created if missing, locked FOR UPDATE in
    a fixed order (by coverage). Call inside ``in_transaction()``."""
    if await PaymentSettings.filter(account_id=account_id).count() < len(Coverage):
        await PaymentSettings.bulk_create(
            [PaymentSettings(account_id=account_id, coverage=coverage) for coverage in Coverage],
            ignore_conflicts=True,
        )
    rows = await PaymentSettings.filter(account_id=account_id).order_by("coverage").select_for_update()
    return {row.coverage: row for row in rows}


async def profile_view(profile: InvoiceProfile) -> ProfileView:
    coverages = await PaymentSettings.filter(invoice_profile_id=profile.id).values_list("coverage", flat=True)
    return ProfileView(profile, tuple(sorted((Coverage(c) for c in coverages), key=list(Coverage).index)))


async def coverage_settings(account_id: uuid.UUID | None, coverage: Coverage) -> CoverageSettings:
    """The current state of one coverage (no access check: callers pass an account they may read)."""
    if account_id is None:
        return CoverageSettings(None, coverage, None, None, None)
    row = await PaymentSettings.get_or_none(account_id=account_id, coverage=coverage)
    profile = None
    if row is not None and row.invoice_profile_id is not None:
        profile = await profile_view(await InvoiceProfile.get(id=row.invoice_profile_id))
    application = (
        await InvoiceApplication.filter(account_id=account_id, coverage=coverage).order_by("-id").first()
    )
    return CoverageSettings(account_id, coverage, row, profile, application)


async def payment_settings(caller: Caller, coverage: Coverage) -> CoverageSettings:
    """The caller's own account's settings for ``coverage`` (empty for staff)."""
    return await coverage_settings(caller.account_id, coverage)


async def has_pending_application(account_id: uuid.UUID, coverage: Coverage) -> bool:
    return await InvoiceApplication.exists(
        account_id=account_id, coverage=coverage, status=ApplicationStatus.PENDING
    )
