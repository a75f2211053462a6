"""PO numbers: set by the customer for future invoices, the exemption form, and
the hold of a subscription that requires a PO and has neither."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from billing.access.caller import Caller
from billing.access.rules import require_writer
from billing.errors import BusinessError, ErrorCode
from models.orders import Subscription

MAX_PO_LENGTH = 100


def is_held(subscription: Subscription) -> bool:
    """A subscription that needs a PO and has neither a PO nor an exemption is held."""
    return (
        subscription.po_required
        and not subscription.po_number
        and subscription.po_exemption_filed_at is None
    )


async def _own_subscription(caller: Caller, subscription_id: int) -> Subscription:
    account_id = require_writer(caller)
    row = await Subscription.filter(id=subscription_id, account_id=account_id).select_for_update().first()
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
