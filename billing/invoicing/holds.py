"""Why charges due on a subscription are not invoiced: the one decision the billing
run makes before issuing, and that the API shows on a subscription."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from billing.customer_mail import Payer
from billing.invoicing.purchase_orders import is_held
from models.orders import Subscription


class HoldReason(Enum):
    """Why a subscription with charges due is not invoiced."""

    PAYMENT_METHOD_MISSING = "PAYMENT_METHOD_MISSING"
    PURCHASE_ORDER_MISSING = "PURCHASE_ORDER_MISSING"


@dataclass(frozen=True)
class Hold:
    subscription_id: int
    reason: HoldReason


def hold_reason(subscription: Subscription, payer: Payer) -> HoldReason | None:
    """A coverage without a payment method bills nobody; a subscription that needs a
    PO and has neither a PO nor an exemption waits for one. None: it may be invoiced."""
    if not payer.can_pay:
        return HoldReason.PAYMENT_METHOD_MISSING
    if is_held(subscription):
        return HoldReason.PURCHASE_ORDER_MISSING
    return None
