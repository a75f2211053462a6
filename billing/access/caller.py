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

# Who may read what: the one list per kind of object. A customer (member or
# partner client) needs one of the kind's scopes and reads their own account's
# objects only; staff (``admin``) read every kind, of every account. Each GraphQL
# type names one of these lists (``schema.permissions.readable_by``), and the
# billing read functions pass the same list to ``billing.access.rules.readable``.
CUSTOMER_SCOPES = (SCOPE_BILLING_READ, SCOPE_BILLING_WRITE, SCOPE_INVOICES_READ)
"""Every scope a customer's token can carry."""
ACCOUNT_READ_SCOPES = CUSTOMER_SCOPES
"""Customers holding any of these read their own account (its name)."""
INVOICE_READ_SCOPES = (SCOPE_BILLING_READ, SCOPE_BILLING_WRITE, SCOPE_INVOICES_READ)
"""Customers holding any of these read their account's invoices (with the bill-to
snapshot printed on them), subscriptions and order lines."""
PAYMENT_READ_SCOPES = (SCOPE_BILLING_READ, SCOPE_BILLING_WRITE)
"""Customers holding any of these read their account's payment settings: invoice
profiles and invoice applications (bill-to, emails, phone, address, history).
Partners (``invoices:read``) do not."""
WEBHOOK_READ_SCOPES = (SCOPE_BILLING_READ, SCOPE_BILLING_WRITE)
"""Customers holding any of these read their account's webhook endpoints and deliveries;
partners (``invoices:read``) do not: deliveries show the messages and the receiver's answers."""


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request.

``account_id`` is the customer account the caller acts for: a member's
    account, or the account a partner client belongs to. Staff (``admin`` scope)
    act for no account. ``role`` is set for members only.

    ``must_choose_account`` marks a member of several accounts who named none
    (``X-Account-ID``): authenticated, with no account and no role yet. Such a caller
    may say who they are and list their memberships, and reads nothing else.
    """

    subject: str
    scopes: frozenset[str]
    client_id: str
    account_id: uuid.UUID | None = None
    role: Role | None = None
    must_choose_account: bool = False

    @classmethod
    def operator(cls, name: str = "portal-cli") -> Caller:
        """Staff acting from the command line on the service's own machine."""
        return cls(subject=name, scopes=frozenset({SCOPE_ADMIN}), client_id=name)

    @property
    def is_staff(self) -> bool:
        return SCOPE_ADMIN in self.scopes

    @property
    def is_member(self) -> bool:
        """A person with a role on one or more accounts (not staff, not a partner client)."""
        return self.role is not None or self.must_choose_account

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
