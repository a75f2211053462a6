"""Expected failures of use cases, with a code a client can act on.

A use case raises ``BusinessError``; the raise also rolls back its transaction,
so nothing is half-written. The GraphQL layer turns it into ``errors`` in the
mutation's payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ErrorCode(Enum):
    """Why a request was refused. New codes are added as features need them."""

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
    # usage (overage, bursting)
    LINE_NOT_ACTIVE = "LINE_NOT_ACTIVE"
    OUTSIDE_TERM = "OUTSIDE_TERM"
    NOT_BURSTABLE = "NOT_BURSTABLE"
    BURST_LIMIT = "BURST_LIMIT"
    USAGE_ALREADY_INVOICED = "USAGE_ALREADY_INVOICED"


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
