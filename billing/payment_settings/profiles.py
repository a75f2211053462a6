"""Editing an invoice profile: partial, validated, versioned, with history."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from billing import customer_mail
from billing.access.caller import PAYMENT_READ_SCOPES, Caller
from billing.access.rules import readable, require_writer
from billing.errors import BusinessError, ErrorCode
from billing.payment_settings.bill_to import camel, clean_bill_to
from billing.payment_settings.coverages import ProfileView, lock_coverages, profile_view
from models.coverage import Coverage
from models.invoice_profile import (
    PROFILE_FIELDS,
    DeliveryMethod,
    InvoiceProfile,
    Language,
    ProfileChange,
)
from models.payment import PaymentSettings

EDITABLE = tuple(name for name in PROFILE_FIELDS if name != "company_name")
_ENUMS = {"delivery_method": DeliveryMethod, "language": Language}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


async def _profile_of(coverage: Coverage, rows: dict[Coverage, PaymentSettings]) -> InvoiceProfile:
    row = rows[coverage]
    if row.invoice_profile_id is None:
        raise BusinessError.single(
            ErrorCode.NOT_PAYING_BY_INVOICE, f"{coverage.value} does not pay by invoice.", "coverage"
        )
    return await InvoiceProfile.get(id=row.invoice_profile_id)


def _changed_fields(profile: InvoiceProfile, changes: dict[str, Any]) -> dict[str, Any]:
    """The validated values that differ from the profile (company name refused)."""
    changes = {name: _plain(value) for name, value in changes.items()}
    if "company_name" in changes and changes["company_name"] != profile.company_name:
        raise BusinessError.single(
            ErrorCode.IMMUTABLE_FIELD,
            "companyName cannot be changed; apply again for a new company name.",
            "companyName",
        )
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    current = profile.bill_to()
    clean = clean_bill_to({**current, **changes})
    return {name: clean[name] for name in changes if clean[name] != current[name]}


async def update_invoice_profile(
    caller: Caller, coverage: Coverage, expected_version: int, changes: dict[str, Any]
) -> ProfileView:
    """Change only the given fields of the profile ``coverage`` pays through.

    The write is a compare-and-swap on ``version``: a stale ``expected_version``
    is VERSION_CONFLICT and nothing is written. Each changed field gets a history
    row in the same transaction; a new billing email notifies both addresses.
    """
    account_id = require_writer(caller)
    async with in_transaction():
        profile = await _profile_of(coverage, await lock_coverages(account_id))
        diff = _changed_fields(profile, changes)
        if profile.version != expected_version:
            raise _conflict(profile.version)
        if not diff:
            return await profile_view(profile)
        now, version = datetime.now(UTC), expected_version + 1
        values = {name: _ENUMS[name](value) if name in _ENUMS else value for name, value in diff.items()}
        swapped = await InvoiceProfile.filter(id=profile.id, version=expected_version).update(
            **values, version=version, updated_at=now
        )
        if swapped != 1:
            raise _conflict(None)
        old = profile.bill_to()
        await ProfileChange.bulk_create(
            [
                ProfileChange(
                    profile_id=profile.id, version=version, changed_by=caller.subject, changed_at=now,
                    field=camel(name), old_json=json.dumps(old[name]), new_json=json.dumps(value),
                )
                for name, value in diff.items()
            ]
        )
        profile = await InvoiceProfile.get(id=profile.id)
        if "billing_email" in diff:
            new_email = diff["billing_email"]
            await customer_mail.billing_email_changed(profile, old["billing_email"], new_email, version, caller.subject)
        return await profile_view(profile)


def _conflict(current: int | None) -> BusinessError:
    suffix = f" (it is now at version {current})" if current is not None else ""
    return BusinessError.single(
        ErrorCode.VERSION_CONFLICT,
        f"The profile was changed by someone else{suffix}; reload it and try again.",
        "expectedVersion",
    )


def profile_history(profile_id: int) -> QuerySet[ProfileChange]:
    """The profile's changes (the caller already reached the profile, so may read it)."""
    return ProfileChange.filter(profile_id=profile_id)


async def profiles_by_id(caller: Caller, ids: list[int]) -> dict[int, ProfileView]:
    """Profiles of the caller's account (any account for staff) if the caller holds a
    payment-reading scope, with their coverages."""
    query = readable(InvoiceProfile.filter(id__in=ids), caller, scopes=PAYMENT_READ_SCOPES)
    return {profile.id: await profile_view(profile) for profile in await query}
