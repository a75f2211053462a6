"""Permissions declared next to the fields they guard.

Use ``extensions=[requires(SCOPE_…)]`` on a field. A caller without the scope
gets a GraphQL error with ``extensions.code = "FORBIDDEN"``.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission, PermissionExtension

from schema.context import Info
from schema.error_codes import GraphQLErrorCode


class HasScope(BasePermission):
    error_extensions = {"code": GraphQLErrorCode.FORBIDDEN.value}

    def __init__(self, *scopes: str) -> None:
        self.scopes = scopes
        self.message = f"This needs one of the scopes: {' '.join(scopes)}."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        caller = info.context.caller
        return any(caller.has_scope(scope) for scope in self.scopes)


def requires(*scopes: str) -> PermissionExtension:
    """The field needs any one of ``scopes``."""
    return PermissionExtension(permissions=[HasScope(*scopes)])
