"""The access rules, written once: who may act, and which rows a caller may read.

Every use case checks its caller here and nowhere else:

* ``require_staff`` for operator actions (orders, activations, runs, decisions);
* ``require_writer`` for changes to an account's payment settings and POs;
* ``may_read_credentials`` and ``require_credentials_owner`` for an account's partner
  clients (reading them needs a writing role, changing them the OWNER role);
* ``readable`` narrows any query to the rows the caller may read (Polar's
  ``get_readable_statement``): staff read every account (or the one they name),
  a customer with one of the required scopes reads their own account, anyone
  else reads nothing. The scopes of each kind of object are listed once in
  ``billing.access.caller`` (``ACCOUNT_READ_SCOPES``, ``INVOICE_READ_SCOPES``,
  ``PAYMENT_READ_SCOPES``); ``may_read`` is the same rule without a query.

A refusal is ``Forbidden``: the API answers it exactly like a missing scope (a
GraphQL error with ``extensions.code = "FORBIDDEN"``), so a client sees one kind
of authorisation failure whether a scope or a role was missing.

A member of several accounts who named none acts for no account
(``Caller.must_choose_account``): ``readable`` gives them nothing and
``require_writer`` refuses them, and ``require_chosen_account`` is the one check
that says why (``AccountNotChosen``); the API runs it before every field that
reads or changes an account's data (``schema.permissions``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from billing.access.caller import PAYMENT_READ_SCOPES, SCOPE_BILLING_WRITE, Caller
from billing.errors import BusinessError, ErrorCode
from models.accounts import Role

M = TypeVar("M", bound=Model)


class Forbidden(Exception):
    """The caller lacks the role (or staff rights) this action needs; nothing was done."""


class AccountNotChosen(Exception):
    """The caller is a member of several accounts and has not said which one to act for."""


ACCOUNT_NOT_CHOSEN_MESSAGE = (
    "You are a member of several accounts: choose one by sending the header X-Account-ID with the id of one of"
    " your memberships (viewer { memberships { account { id } } })."
)


def require_chosen_account(caller: Caller) -> None:
    """Refuse a member who has not chosen an account: nothing of any account is theirs to
    read or change until they do. Everyone else passes (staff and partner clients never choose)."""
    if caller.must_choose_account:
        raise AccountNotChosen(ACCOUNT_NOT_CHOSEN_MESSAGE)


def require_staff(caller: Caller, action: str) -> None:
    """Refuse anyone but staff; ``action`` completes "Only staff …"."""
    if not caller.is_staff:
        raise Forbidden(f"Only staff {action}.")


def require_writer(caller: Caller) -> uuid.UUID:
    """The caller's account, if the caller may change its billing settings: a member
    with the OWNER or BILLING_ADMIN role and the billing:write scope."""
    if not caller.can_write_billing or caller.account_id is None:
        raise Forbidden("Only an owner or billing admin with billing:write may change billing settings.")
    return caller.account_id


def may_read(caller: Caller, scopes: Collection[str] | None) -> bool:
    """Whether ``caller`` may read a kind of object that customers read with one of
    ``scopes`` (None: any token of the account): staff always, customers with one of
    them (and then only their own account's rows: see ``readable``)."""
    return caller.is_staff or scopes is None or any(caller.has_scope(scope) for scope in scopes)


def readable(
    query: QuerySet[M],
    caller: Caller,
    *,
    scopes: Collection[str] | None = None,
    account_id: uuid.UUID | None = None,
    account_field: str = "account_id",
) -> QuerySet[M]:
    """``query`` narrowed to what ``caller`` may read.

    ``scopes``: a customer needs one of them (None: any token of the account will
    do). ``account_id``: staff read that account only; a customer naming another
    account than their own reads nothing. ``account_field``: the path from the
    queried model to its account (``"subscription__account_id"`` for order lines).
    """
    if caller.is_staff:
        return query.filter(**{account_field: account_id}) if account_id else query
    if not may_read(caller, scopes) or caller.account_id is None or account_id not in (None, caller.account_id):
        return query.filter(pk__in=[])
    return query.filter(**{account_field: caller.account_id})


def may_read_credentials(caller: Caller) -> bool:
    """Whether ``caller`` may see an account's partner clients (credentials that read the
    account's data): staff, and the account's OWNER and BILLING_ADMIN members with a
    payment-reading scope (billing:read or billing:write). Not VIEWERs, and not partner
    clients themselves, whatever their scopes; what it reads is ``readable``'s business."""
    if caller.is_staff:
        return True
    writer_role = caller.role is not None and caller.role.can_write_billing
    return writer_role and may_read(caller, PAYMENT_READ_SCOPES)


def require_credentials_owner(caller: Caller) -> uuid.UUID | None:
    """Refuse anyone but staff and an account's OWNER with billing:write: only they create,
    rotate or disable the account's partner clients. Returns the caller's account (None
    for staff, who name the account or the client)."""
    if caller.is_staff:
        return None
    if caller.role is not Role.OWNER or not caller.has_scope(SCOPE_BILLING_WRITE) or caller.account_id is None:
        raise Forbidden("Only an owner of the account with billing:write may manage its partner clients.")
    return caller.account_id


# --- webhooks: who manages an account's endpoints ------------------------------------------------
# Reading endpoints and deliveries: WEBHOOK_READ_SCOPES (billing.access.caller). Managing them
# (create, disable, enable, rotate, test, redeliver): the account's OWNER members with
# billing:write, and staff naming the account; a billing admin or viewer is refused whatever
# their scopes. Another account's endpoint or delivery answers like a missing one.


def may_manage_webhooks(caller: Caller) -> bool:
    """Staff, or an owner of the caller's account with ``billing:write``."""
    return caller.is_staff or (
        caller.account_id is not None and caller.role is Role.OWNER and caller.has_scope(SCOPE_BILLING_WRITE)
    )


def require_webhook_manager(caller: Caller) -> None:
    if not may_manage_webhooks(caller):
        raise Forbidden("Only an owner with billing:write (or staff) may manage webhook endpoints.")


def webhook_account(caller: Caller, account_id: uuid.UUID | None) -> uuid.UUID:
    """The account a new endpoint belongs to: the one staff name, or the owner's own (an
    owner naming another account finds nothing)."""
    require_webhook_manager(caller)
    if caller.is_staff:
        if account_id is None:
            raise BusinessError.single(ErrorCode.REQUIRED, "Staff name the account (accountId).", "accountId")
        return account_id
    assert caller.account_id is not None  # may_manage_webhooks
    if account_id not in (None, caller.account_id):
        raise BusinessError.single(ErrorCode.NOT_FOUND, "No such account.", "accountId")
    return caller.account_id
