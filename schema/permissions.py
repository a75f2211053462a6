"""Permissions declared next to what they guard.

Fields: ``extensions=[requires(SCOPE_…)]``. A caller without the scope gets a
GraphQL error with ``extensions.code = "FORBIDDEN"``.

Types: every ``Node`` type declares once who may read it, with one of the lists
of ``billing.access.caller`` (``@readable_by(PAYMENT_READ_SCOPES)`` above its
``@strawberry.type``). Customers need one of those scopes; staff (``admin``) read
every type. That one declaration is enforced on every path:

* ``node(id:)`` and ``nodes(ids:)`` answer ``null`` for an object whose type the
  caller may not read, exactly as for a missing or foreign id (no ``FORBIDDEN``:
  ids cannot be probed), see ``may_read_type``;
* a root field returning the type uses ``requires_reader(Type)``: the same scopes
  (or fewer, with ``only=``), never a second list;
* a field reaching the type from another (``PaymentSettings.invoiceProfile``) is
  guarded by its parent's field, whose scopes must be within the type's
  declaration (``tests/schema/test_scopes_on_every_path.py`` walks the schema);
* the billing read functions pass the same list to ``billing.access.rules.readable``.

A member of several accounts who sent no ``X-Account-ID`` passes none of these
gates: a field they hold the scope for (or ``node``, or ``viewer.account``) answers
the GraphQL error ``ACCOUNT_NOT_CHOSEN`` instead (``chosen_account``, the one place
that answers it), while ``viewer { subject memberships }`` still works.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from strawberry.permission import BasePermission, PermissionExtension

from billing.access.caller import ALL_SCOPES, SCOPE_ADMIN, Caller
from billing.access.rules import AccountNotChosen, may_read, require_chosen_account
from schema.context import Info
from schema.error_codes import GraphQLErrorCode, graphql_error

T = TypeVar("T", bound=type)

_READ_SCOPES = "__portal_read_scopes__"


class HasScope(BasePermission):
    error_extensions = {"code": GraphQLErrorCode.FORBIDDEN.value}

    def __init__(self, *scopes: str) -> None:
        self.scopes = scopes
        self.message = f"This needs one of the scopes: {' '.join(scopes)}."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        caller = info.context.caller
        if not any(caller.has_scope(scope) for scope in self.scopes):
            return False
        chosen_account(caller)
        return True


def chosen_account(caller: Caller) -> None:
    """Answer ``ACCOUNT_NOT_CHOSEN`` (a GraphQL error) to a member of several accounts
    who named none; everyone else passes. Every field that needs the caller's account
    comes through here: ``HasScope`` (each root field and mutation a customer may
    call) and ``may_read_type`` (``node``, ``nodes``, ``viewer.account``)."""
    try:
        require_chosen_account(caller)
    except AccountNotChosen as exc:
        raise graphql_error(str(exc), GraphQLErrorCode.ACCOUNT_NOT_CHOSEN) from None


def requires(*scopes: str) -> PermissionExtension:
    """The field needs any one of ``scopes``."""
    return PermissionExtension(permissions=[HasScope(*scopes)])


def readable_by(scopes: Collection[str]) -> Callable[[T], T]:
    """Declare the customer scopes that may read a type (staff read every type).
    Pass a list of ``billing.access.caller``; decorate each ``Node`` type once."""
    declared = tuple(scopes)
    unknown = set(declared) - set(ALL_SCOPES)
    if unknown or SCOPE_ADMIN in declared:
        wrong = sorted(unknown) or [SCOPE_ADMIN]
        raise ValueError(f"readable_by takes customer scopes of billing.access.caller, not {wrong}")

    def declare(cls: T) -> T:
        setattr(cls, _READ_SCOPES, declared)
        return cls

    return declare


def read_scopes(node_type: type) -> tuple[str, ...]:
    """The customer scopes ``node_type`` declared with ``readable_by``."""
    declared: tuple[str, ...] | None = node_type.__dict__.get(_READ_SCOPES)
    if declared is None:
        raise TypeError(f"{node_type.__name__} declares no read scopes: decorate it with @readable_by(...)")
    return declared


def readers(node_type: type) -> tuple[str, ...]:
    """Every scope that may read ``node_type``: its declaration and ``admin``."""
    return (*read_scopes(node_type), SCOPE_ADMIN)


def may_read_type(caller: Caller, node_type: type) -> bool:
    """Whether ``caller`` may read objects of ``node_type`` at all (which of them is
    the billing read function's business: the caller's own account's, or any for staff).
    A caller who may, but has not chosen an account, gets ``ACCOUNT_NOT_CHOSEN`` instead."""
    if not may_read(caller, read_scopes(node_type)):
        return False
    chosen_account(caller)
    return True


def requires_reader(*node_types: type, customers: bool = True, staff: bool = True) -> PermissionExtension:
    """The field returns ``node_types``: it needs a scope that may read every one of
    them, as they declared it. ``staff=False`` leaves staff out (a view of the
    caller's own account, and staff act for none); ``customers=False`` leaves
    customers out (a list across accounts)."""
    allowed = [scope for scope in ALL_SCOPES if all(scope in readers(t) for t in node_types)]
    allowed = [scope for scope in allowed if (staff if scope == SCOPE_ADMIN else customers)]
    if not allowed:
        raise ValueError("requires_reader: nobody could read this field")
    return requires(*allowed)
