"""PO numbers: set by the customer for future invoices, the exemption form, and
the hold of a subscription that requires a PO and has neither."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from billing.caller import Caller
from billing.errors import BusinessError, ErrorCode
from billing.invoice_issue import Payer
from models.orders import Subscription

MAX_PO_LENGTH = 100


def is_held(subscription: Subscription) -> bool:
    """A subscription that needs a PO and has neither a PO nor an exemption is held."""
    return (
        subscription.po_required
        and not subscription.po_number
        and subscription.po_exemption_filed_at is None
    )


def hold_notice_key(subscription: Subscription) -> str:
    return f"subscription:{subscription.id}:po-hold:{subscription.po_revision}"


async def notify_hold(subscription: Subscription, payer: Payer) -> None:
    """Tell the customer once per hold why nothing was issued."""
    await payer.notify(
        subscription.coverage, "invoice_held_for_po",
        {"subscription": f"SUB-{subscription.id:06d}", "coverage": subscription.coverage.value},
        dedup_key=hold_notice_key(subscription), account_id=subscription.account_id,
    )


async def _own_subscription(caller: Caller, subscription_id: int) -> Subscription:
    if not caller.can_write_billing:
        raise BusinessError.single(
            ErrorCode.NOT_ALLOWED, "Only an owner or billing admin with billing:write may change PO details."
        )
    row = await Subscription.filter(id=subscription_id, account_id=caller.account_id).select_for_update().first()
    if row is None:
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such subscription.", "subscriptionId")
    return row


async def set_purchase_order_number(caller: Caller, subscription_id: int, po_number: str | None) -> Subscription:
    """Set (or clear, with None/blank) the PO number of future invoices."""
    po = (po_number or "").strip() or None
    if po is not None and len(po) > MAX_PO_LENGTH:
        raise BusinessError.single(ErrorCode.TOO_LONG, f"A PO number has at most {MAX_PO_LENGTH} characters.", "poNumber")
    async with in_transaction():
        row = await _own_subscription(caller, subscription_id)
        row.po_number = po
        row.po_revision += 1
        await row.save(update_fields=["po_number", "po_revision"])
    return row


async def file_purchase_order_exemption(caller: Caller, subscription_id: int) -> Subscription:
    """Record the PO exemption form: invoices go out without a PO from now on."""
    async with in_transaction():
        row = await _own_subscription(caller, subscription_id)
        if row.po_exemption_filed_at is None:
            row.po_exemption_filed_at = datetime.now(UTC)
            row.po_revision += 1
            await row.save(update_fields=["po_exemption_filed_at", "po_revision"])
    return row
