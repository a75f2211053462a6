"""Reading the change feed (``invoiceEvents``): an account's invoice events in the
order of their sequence numbers, which have no gaps and commit in order
(``billing.events``), so a partner that keeps the last number it read resumes
exactly there, after a crash too."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.queryset import QuerySet

from billing.access.caller import INVOICE_READ_SCOPES, Caller
from billing.access.rules import readable
from models.events import InvoiceEvent


@dataclass(frozen=True)
class Feed:
    """The events a caller may read and the order to page them in: one account's by
    sequence, or (staff naming no account) every account's in the order written,
    where only each account's own numbers are gapless."""

    events: QuerySet[InvoiceEvent]
    order_by: tuple[str, ...]
    name: str


def feed(caller: Caller, account_id: uuid.UUID | None = None) -> Feed:
    """The invoice events ``caller`` may read: their account's (staff: those of
    ``account_id``, or of every account)."""
    events = readable(InvoiceEvent.all(), caller, scopes=INVOICE_READ_SCOPES, account_id=account_id)
    if caller.is_staff and account_id is None:
        return Feed(events, ("id",), "ALL_EVENTS")
    return Feed(events, ("sequence",), "EVENTS")
