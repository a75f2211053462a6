"""Who is calling: the identity every use case checks access against."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from models.accounts import Role

SCOPE_BILLING_READ = "billing:read"
SCOPE_BILLING_WRITE = "billing:write"
SCOPE_INVOICES_READ = "invoices:read"
SCOPE_ADMIN = "admin"
ALL_SCOPES = (SCOPE_BILLING_READ, SCOPE_BILLING_WRITE, SCOPE_INVOICES_READ, SCOPE_ADMIN)

INVOICE_READ_SCOPES = (SCOPE_BILLING_READ, SCOPE_BILLING_WRITE, SCOPE_INVOICES_READ)
"""Customers holding any of these read their account's invoices and subscriptions."""
PAYMENT_READ_SCOPES = (SCOPE_BILLING_READ, SCOPE_BILLING_WRITE)
"""Customers holding any of these read their account's payment settings."""


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request.

    ``account_id`` is the customer account the caller acts for: a member's
    account, or the account a partner client belongs to. Staff (``admin`` scope)
    act for no account. ``role`` is set for members only.
    """

    subject: str
    scopes: frozenset[str]
    client_id: str
    account_id: uuid.UUID | None = None
    role: Role | None = None

    @classmethod
    def operator(cls, name: str = "portal-cli") -> Caller:
        """Staff acting from the command line on the service's own machine."""
        return cls(subject=name, scopes=frozenset({SCOPE_ADMIN}), client_id=name)

    @property
    def is_staff(self) -> bool:
        return SCOPE_ADMIN in self.scopes

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def can_write_billing(self) -> bool:
        """Members with a writing role and the ``billing:write`` scope change settings."""
        return (
            self.account_id is not None
            and self.has_scope(SCOPE_BILLING_WRITE)
            and self.role is not None
            and self.role.can_write_billing
        )
