"""Enumerations stored in the billing tables.

They live here, below ``billing/``, because models must not import the layer
above them. What they mean in money (tax rates, due dates) is decided in
``billing/``; only facts about the values themselves (a quarter is three
months) are stated here.
"""

from __future__ import annotations

from enum import Enum


class BillingFrequency(Enum):
    """How often a subscription is invoiced, and whether before or after the period."""

    MONTHLY_IN_ADVANCE = "MONTHLY_IN_ADVANCE"
    QUARTERLY_IN_ADVANCE = "QUARTERLY_IN_ADVANCE"
    ANNUAL_IN_ADVANCE = "ANNUAL_IN_ADVANCE"
    QUARTERLY_IN_ARREARS = "QUARTERLY_IN_ARREARS"

    @property
    def months_per_period(self) -> int:
        """Length of one billing period in months (1, 3 or 12)."""
        return _MONTHS[self]

    @property
    def in_advance(self) -> bool:
        """True when a period is invoiced at its start, False when after it ends."""
        return self is not BillingFrequency.QUARTERLY_IN_ARREARS


_MONTHS = {
    BillingFrequency.MONTHLY_IN_ADVANCE: 1,
    BillingFrequency.QUARTERLY_IN_ADVANCE: 3,
    BillingFrequency.ANNUAL_IN_ADVANCE: 12,
    BillingFrequency.QUARTERLY_IN_ARREARS: 3,
}


class PaymentTerms(Enum):
    """Terms agreed on a subscription (the due date rule is in ``billing.rules.payment_terms``)."""

    NET_30 = "NET_30"
    """Due 30 days after the invoice date."""
    EOM_FOLLOWING = "EOM_FOLLOWING"
    """月末締め翌月末払い: due on the last day of the month after the invoice's month."""


class TaxCategory(Enum):
    """Consumption tax category of an invoice line (rates are in ``billing.rules.tax``)."""

    STANDARD = "STANDARD"
    REDUCED = "REDUCED"
    EXEMPT = "EXEMPT"


class ChargeKind(Enum):
    """What a billed charge is for: the recurring price of a period, or a month's
    usage billed in arrears (overage beyond the commitment, bursting above the
    subscribed units, use continued after the term end)."""

    RECURRING = "RECURRING"
    OVERAGE = "OVERAGE"
    BURSTING = "BURSTING"
    POST_TERM = "POST_TERM"


class InvoiceStatus(str, Enum):
    """Stored status; ``PAST_DUE`` is derived when read (``billing.rules.invoice_status``)."""

    ISSUED = "ISSUED"
    PAID = "PAID"
    VOID = "VOID"
