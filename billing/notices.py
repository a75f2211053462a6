"""The emails payment settings send, written to the outbox inside the caller's
transaction (so a rolled-back change sends nothing)."""

from __future__ import annotations

from models.invoice_profile import InvoiceApplication, InvoiceProfile
from notifications.outbox import enqueue

BILLING_EMAIL_CHANGED = "billing_email_changed"
APPLICATION_DECIDED = "invoice_application_decided"


async def billing_email_changed(profile: InvoiceProfile, old: str, new: str, version: int, changed_by: str) -> None:
    """Tell the old and the new billing address that the address changed."""
    await enqueue(
        BILLING_EMAIL_CHANGED,
        to=[old, new],
        cc=[],
        language=profile.language.value,
        data={
            "company_name": profile.company_name,
            "old_email": old,
            "new_email": new,
            "changed_by": changed_by,
            "version": version,
        },
        dedup_key=f"profile:{profile.id}:v{version}:billing-email",
        account_id=profile.account_id,
    )


async def application_decided(application: InvoiceApplication) -> None:
    """Tell the applicant's billing address whether the application was approved."""
    await enqueue(
        APPLICATION_DECIDED,
        to=[application.billing_email],
        cc=list(application.cc_emails),
        language=application.language.value,
        data={
            "company_name": application.company_name,
            "coverage": application.coverage.value,
            "status": application.status.value,
            "reason": application.rejection_reason,
        },
        dedup_key=f"invoice-application:{application.id}:decided",
        account_id=application.account_id,
    )
