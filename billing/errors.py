"""Expected failures of use cases, with a code a client can act on.

A use case raises ``BusinessError``; the raise also rolls back its transaction,
so nothing is half-written. The GraphQL layer turns it into ``errors`` in the
mutation's payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ErrorCode(Enum):
    """Why a request was refused. New codes are added as features need them, each
    with a line in ``_DESCRIPTIONS`` (the API shows it) and a row in docs/errors.md."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    IMMUTABLE_FIELD = "IMMUTABLE_FIELD"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    # payment settings (cards, invoice applications, merging)
    CARD_DECLINED = "CARD_DECLINED"
    CARD_EXPIRED = "CARD_EXPIRED"
    SWITCH_NOT_CONFIRMED = "SWITCH_NOT_CONFIRMED"
    APPLICATION_PENDING = "APPLICATION_PENDING"
    APPLICATION_DECIDED = "APPLICATION_DECIDED"
    NOT_PAYING_BY_INVOICE = "NOT_PAYING_BY_INVOICE"
    HAS_OWN_INVOICE_PROFILE = "HAS_OWN_INVOICE_PROFILE"
    ALREADY_MERGED = "ALREADY_MERGED"
    NOT_MERGED = "NOT_MERGED"
    # invoicing (orders, invoices)
    CREDIT_CARD_REQUIRED = "CREDIT_CARD_REQUIRED"
    INVOICE_NOT_OPEN = "INVOICE_NOT_OPEN"
    NO_PAYMENT_METHOD = "NO_PAYMENT_METHOD"
    AS_OF_NOT_TODAY = "AS_OF_NOT_TODAY"
    # usage (overage, bursting)
    LINE_NOT_ACTIVE = "LINE_NOT_ACTIVE"
    OUTSIDE_TERM = "OUTSIDE_TERM"
    NOT_BURSTABLE = "NOT_BURSTABLE"
    BURST_LIMIT = "BURST_LIMIT"
    USAGE_ALREADY_INVOICED = "USAGE_ALREADY_INVOICED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    NOT_AFTER_TERM = "NOT_AFTER_TERM"
    NO_LIST_PRICE = "NO_LIST_PRICE"
    # webhooks
    DESTINATION_NOT_ALLOWED = "DESTINATION_NOT_ALLOWED"

    @property
    def description(self) -> str:
        """What the code means, for the people writing clients ("" if none was written)."""
        return _DESCRIPTIONS.get(self, "")


_DESCRIPTIONS: dict[ErrorCode, str] = {
    ErrorCode.INVALID: "A value is malformed or out of range; the message names the rule it breaks.",
    ErrorCode.REQUIRED: "A value that is required here is missing or blank.",
    ErrorCode.TOO_LONG: "A text is longer than allowed; the message gives the limit in characters.",
    ErrorCode.NOT_FOUND: (
        "The id or number names nothing the caller may see: missing, of another account, or of another type."
    ),
    ErrorCode.NOT_ALLOWED: (
        "A business rule refuses this in the object's current state, e.g. re-queueing an email that is not FAILED."
    ),
    ErrorCode.VERSION_CONFLICT: "The object changed since it was read: `expectedVersion` is not its current version.",
    ErrorCode.IMMUTABLE_FIELD: (
        "The value can no longer change: a profile's company name, or the activation of a line already invoiced."
    ),
    ErrorCode.ALREADY_EXISTS: "The object already exists. Reserved: no mutation answers it today.",
    ErrorCode.CARD_DECLINED: "The payment gateway refused the card.",
    ErrorCode.CARD_EXPIRED: "The card's expiry date has passed.",
    ErrorCode.SWITCH_NOT_CONFIRMED: (
        "The coverage pays by invoice; registering a card switches it only with `confirmSwitchFromInvoice: true`."
    ),
    ErrorCode.APPLICATION_PENDING: "The coverage already has an invoice payment application waiting for staff.",
    ErrorCode.APPLICATION_DECIDED: "The invoice payment application was already approved or rejected.",
    ErrorCode.NOT_PAYING_BY_INVOICE: "The coverage does not pay by invoice, so it has no invoice profile to use.",
    ErrorCode.HAS_OWN_INVOICE_PROFILE: "The coverage to merge into already has an invoice profile of its own.",
    ErrorCode.ALREADY_MERGED: "The two coverages already share one invoice profile.",
    ErrorCode.NOT_MERGED: "The coverage does not share its invoice profile with another coverage.",
    ErrorCode.CREDIT_CARD_REQUIRED: (
        "A GLOBAL order under the card threshold in a card country must be paid by card, and the coverage does not."
    ),
    ErrorCode.INVOICE_NOT_OPEN: "The invoice is no longer ISSUED: it is already PAID or VOID.",
    ErrorCode.NO_PAYMENT_METHOD: (
        "The coverage has no payment method (a card, or an approved invoice profile of its own or merged): "
        "nothing can be billed to it."
    ),
    ErrorCode.AS_OF_NOT_TODAY: "A billing run issues invoices dated today: asOf must be omitted or today's date.",
    ErrorCode.LINE_NOT_ACTIVE: "The order line was not active (provisioned) on that day.",
    ErrorCode.OUTSIDE_TERM: "The day is outside the term of the line's subscription.",
    ErrorCode.NOT_BURSTABLE: "The line has no subscribed units and unit-hour price, so it cannot burst.",
    ErrorCode.BURST_LIMIT: "More units than bursting allows: at most twice the subscribed units.",
    ErrorCode.USAGE_ALREADY_INVOICED: "The month of that day is already invoiced; its usage is final.",
    ErrorCode.IDEMPOTENCY_KEY_REUSED: (
        "The idempotency key was already used on this order line for a record with other values; nothing was recorded."
    ),
    ErrorCode.NOT_AFTER_TERM: "The hour is not after the term end: post-term use starts on the day after it.",
    ErrorCode.NO_LIST_PRICE: "No list price is in force at that hour for the line's product and currency.",
    ErrorCode.DESTINATION_NOT_ALLOWED: (
        "Webhooks are not sent there: production needs https, and the host must resolve only to public addresses."
    ),
}


@dataclass(frozen=True)
class FieldError:
    code: ErrorCode
    message: str
    field: str | None = None


class BusinessError(Exception):
    """One or more expected failures; nothing was written."""

    def __init__(self, errors: list[FieldError] | FieldError) -> None:
        self.errors = errors if isinstance(errors, list) else [errors]
        super().__init__("; ".join(e.message for e in self.errors))

    @classmethod
    def single(cls, code: ErrorCode, message: str, field: str | None = None) -> BusinessError:
        return cls(FieldError(code, message, field))
