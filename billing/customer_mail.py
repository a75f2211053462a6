"""Emailing a customer: the one module that decides who gets which message.

* **Where mail goes.** A coverage paying by invoice mails its profile's billing
  email with the CCs, in the profile's language. A coverage paying by card has no
  profile: it mails the receipt address given with the card. ``Payer`` holds what
  a coverage pays with; ``Payer.recipients`` is the only place an address is chosen.
* **One function per message kind** (``invoice_issued``, ``card_payment_failed``,
  ``invoice_held_for_po``, ``billing_email_changed``, ``application_decided``).
  Each writes to the outbox inside the caller's transaction, under a dedup key, so
  a rolled-back change sends nothing and a retried one sends nothing twice.
* **Staff re-queue** a failed message with ``requeue_email``; the API and the CLI
  both go through it.

The kind names are the constants of ``notifications.kinds``, the registry that
holds each kind's fields and templates.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from billing.access.caller import Caller
from billing.access.rules import require_staff
from billing.errors import BusinessError, ErrorCode
from billing.policy import BankAccount
from kit.money import Money
from models.accounts import Account, Member, Role
from models.coverage import Coverage
from models.invoice_documents import DocumentKind
from models.invoice_profile import InvoiceApplication, InvoiceProfile, Language
from models.invoices import Invoice
from models.orders import Subscription
from models.outbox import OutboxMessage
from models.payment import PaymentMethod, PaymentSettings
from models.webhooks import WebhookEndpoint
from notifications.kinds import (
    BILLING_EMAIL_CHANGED,
    BILLING_HELD_NO_PAYMENT_METHOD,
    CARD_PAYMENT_FAILED,
    CREDIT_NOTE_ISSUED,
    INVOICE_APPLICATION_DECIDED,
    INVOICE_HELD_FOR_PO,
    INVOICE_ISSUED,
    WEBHOOK_ENDPOINT_DISABLED,
)
from notifications.outbox import RequeueError, enqueue, requeue


@dataclass(frozen=True)
class MailRecipients:
    to: list[str]
    cc: list[str]
    language: str
    company_name: str


def default_language(coverage: Coverage) -> Language:
    """Japanese on JP, English on GLOBAL, until the customer chooses."""
    return Language.JA if coverage is Coverage.JP else Language.EN


@dataclass(frozen=True)
class Payer:
    """How one coverage pays: its settings row and the invoice profile it pays through."""

    coverage: Coverage
    account_id: uuid.UUID
    account_name: str
    settings: PaymentSettings | None
    profile: InvoiceProfile | None

    @property
    def can_pay(self) -> bool:
        """True when the coverage has a payment method: a card, or an invoice profile
        (its own or merged). Without one nothing may be billed to it."""
        if self.settings is None:
            return False
        if self.settings.payment_method == PaymentMethod.CREDIT_CARD:
            return self.settings.card_reference is not None
        return self.settings.payment_method == PaymentMethod.INVOICE and self.profile is not None

    @property
    def card_reference(self) -> str | None:
        if self.settings and self.settings.payment_method == PaymentMethod.CREDIT_CARD:
            return self.settings.card_reference
        return None

    def bill_to(self) -> dict[str, object]:
        if self.profile is not None:
            return self.profile.bill_to()
        return {"company_name": self.account_name}

    def recipients(self) -> MailRecipients | None:
        """None only when the coverage has neither a profile nor a card receipt address."""
        if self.profile is not None:
            profile = self.profile
            return MailRecipients(
                [profile.billing_email], list(profile.cc_emails or []), profile.language.value, profile.company_name
            )
        if self.settings is not None and self.settings.receipt_email:
            language = self.settings.receipt_language or default_language(self.coverage)
            return MailRecipients([self.settings.receipt_email], [], language.value, self.account_name)
        return None

    def language(self) -> str:
        recipients = self.recipients()
        return recipients.language if recipients else default_language(self.coverage).value

    async def send(
        self, kind: str, data: dict[str, Any], *, dedup_key: str, language: str | None = None,
        attach_invoice_id: int | None = None, attach_kind: str | None = None,
    ) -> None:
        recipients = self.recipients()
        if recipients is None:  # only data from before receipt addresses were required
            return
        await enqueue(
            kind, to=recipients.to, cc=recipients.cc, language=language or recipients.language,
            data={"company_name": recipients.company_name, **data}, dedup_key=dedup_key, account_id=self.account_id,
            attach_invoice_id=attach_invoice_id, attach_kind=attach_kind,
        )


async def load_payer(account_id: uuid.UUID, coverage: Coverage, account_name: str) -> Payer:
    settings = await PaymentSettings.filter(account_id=account_id, coverage=coverage).first()
    profile = None
    if settings is not None and settings.invoice_profile_id is not None:
        profile = await InvoiceProfile.get_or_none(id=settings.invoice_profile_id)
    return Payer(coverage, account_id, account_name, settings, profile)


async def load_payers(keys: Sequence[tuple[uuid.UUID, Coverage]]) -> list[Payer]:
    """The payers of several (account, coverage) pairs, in order, in two queries
    (their account names are not loaded: for reading ``can_pay``)."""
    accounts = list({account_id for account_id, _ in keys})
    settings = {(row.account_id, row.coverage): row for row in await PaymentSettings.filter(account_id__in=accounts)}
    profile_ids = [row.invoice_profile_id for row in settings.values() if row.invoice_profile_id is not None]
    profiles = {row.id: row for row in await InvoiceProfile.filter(id__in=profile_ids)}
    payers = []
    for account_id, coverage in keys:
        row = settings.get((account_id, coverage))
        profile = profiles.get(row.invoice_profile_id) if row is not None and row.invoice_profile_id else None
        payers.append(Payer(coverage, account_id, "", row, profile))
    return payers


def issued_email_key(invoice_id: int) -> str:
    """The dedup key of an invoice's one "issued" email (also how it is found again)."""
    return f"invoice:{invoice_id}:issued"


async def invoice_issued(
    invoice: Invoice, payer: Payer, totals: Sequence[tuple[Coverage, Money]], bank: BankAccount | None = None
) -> None:
    """One email per invoice, with number, due date, PO number, the total of each
    coverage's currency (two on an invoice of merged coverages), the bank to transfer
    to (``bank``: None when the card is charged) and the invoice's PDF attached (the
    email waits until it is rendered)."""
    await payer.send(
        INVOICE_ISSUED,
        {
            "invoice_number": invoice.number, "total": totals[0][1],
            "other_total": totals[1][1] if len(totals) > 1 else None,
            "due_date": invoice.due_date, "po_number": invoice.po_number,
            "coverage": ", ".join(coverage.value for coverage, _ in totals),
            **_bank_fields(bank),
        },
        dedup_key=issued_email_key(invoice.id), language=invoice.language, attach_invoice_id=invoice.id,
        attach_kind=DocumentKind.INVOICE.value,
    )


async def credit_note_issued(
    invoice: Invoice, credit_note_number: str, payer: Payer, totals: Sequence[tuple[Coverage, Money]]
) -> None:
    """One email per credit note (a voided invoice), with the credit note's PDF attached."""
    await payer.send(
        CREDIT_NOTE_ISSUED,
        {
            "credit_note_number": credit_note_number, "invoice_number": invoice.number, "total": totals[0][1],
            "other_total": totals[1][1] if len(totals) > 1 else None,
            "coverage": ", ".join(coverage.value for coverage, _ in totals),
        },
        dedup_key=f"invoice:{invoice.id}:credit-note", language=invoice.language, attach_invoice_id=invoice.id,
        attach_kind=DocumentKind.CREDIT_NOTE.value,
    )


def _bank_fields(bank: BankAccount | None) -> dict[str, str]:
    if bank is None:
        return {}
    return {
        "bank_name": bank.bank, "bank_branch": bank.branch, "bank_account_type": bank.account_type.value,
        "bank_account_number": bank.number, "bank_account_holder": bank.holder_kana,
    }


async def card_payment_failed(invoice: Invoice, payer: Payer, error_code: str, total: Money) -> None:
    """The card charge of an issued invoice was declined."""
    await payer.send(
        CARD_PAYMENT_FAILED,
        {
            "invoice_number": invoice.number, "total": total,
            "error_code": error_code, "coverage": invoice.coverage.value,
        },
        dedup_key=f"invoice:{invoice.id}:card-failed", language=invoice.language,
    )


def hold_notice_key(subscription: Subscription) -> str:
    return f"subscription:{subscription.id}:po-hold:{subscription.po_revision}"


async def invoice_held_for_po(subscription: Subscription, payer: Payer) -> None:
    """Once per hold: nothing was issued because a PO (or an exemption) is missing."""
    await payer.send(
        INVOICE_HELD_FOR_PO,
        {"subscription": f"SUB-{subscription.id:06d}", "coverage": subscription.coverage.value},
        dedup_key=hold_notice_key(subscription),
    )


def payment_method_hold_key(subscription: Subscription, payer: Payer) -> str:
    """Once per hold: a new key when the coverage's payment settings change."""
    changed = payer.settings.updated_at.isoformat() if payer.settings is not None else "never-set"
    return f"subscription:{subscription.id}:no-payment-method:{changed}"


async def billing_held_no_payment_method(subscription: Subscription, payer: Payer) -> None:
    """Tell the account's owners (those with an email on file) that nothing can be
    invoiced on the coverage until it has a payment method."""
    owners = await Member.filter(account_id=subscription.account_id, role=Role.OWNER, email__not_isnull=True)
    addresses = sorted({owner.email for owner in owners if owner.email})
    if not addresses:
        return
    await enqueue(
        BILLING_HELD_NO_PAYMENT_METHOD,
        to=addresses,
        cc=[],
        language=default_language(subscription.coverage).value,
        data={
            "company_name": payer.account_name,
            "subscription": f"SUB-{subscription.id:06d}",
            "coverage": subscription.coverage.value,
        },
        dedup_key=payment_method_hold_key(subscription, payer),
        account_id=subscription.account_id,
    )


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
        INVOICE_APPLICATION_DECIDED,
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


async def requeue_email(caller: Caller, message_id: str) -> OutboxMessage:
    """Staff send a ``FAILED`` email again (recipients who got it are skipped).
    The outbox decides whether the message can be re-queued; this only checks who asks."""
    require_staff(caller, "re-queue emails")
    try:
        key = uuid.UUID(message_id)
    except ValueError:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such email.", "id") from None
    try:
        return await requeue(key)
    except RequeueError as exc:
        code = ErrorCode.NOT_FOUND if exc.missing else ErrorCode.NOT_ALLOWED
        raise BusinessError.single(code, str(exc), "id") from None


async def webhook_endpoint_disabled(endpoint: WebhookEndpoint, failures: int) -> None:
    """The account's owners with an email on file are told, once per disabling (the key
    holds the moment), in the language of the account's invoice profile (Japanese when
    it has none), in the transaction that disables the endpoint."""
    owners = await Member.filter(account_id=endpoint.account_id, role=Role.OWNER, email__not_isnull=True)
    addresses = sorted({owner.email for owner in owners if owner.email})
    if not addresses or endpoint.disabled_at is None:
        return
    account = await Account.get(id=endpoint.account_id)
    profile = await InvoiceProfile.filter(account_id=endpoint.account_id).order_by("id").first()
    await enqueue(
        WEBHOOK_ENDPOINT_DISABLED,
        to=addresses,
        language=profile.language.value if profile else "ja",
        data={
            "company_name": account.name,
            "url": endpoint.url,
            "reason": endpoint.disabled_reason or "",
            "failures": failures,
        },
        dedup_key=f"webhook-endpoint:{endpoint.id}:disabled:{endpoint.disabled_at.isoformat()}",
        account_id=endpoint.account_id,
    )
