"""Who may call each root field, read from the built schema: the scopes of its ``requires``."""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry.permission import PermissionExtension

import schema
from schema.permissions import HasScope


@cache
def built_schema() -> Any:
    return schema.build_schema()


def required_scopes(root: str, field_name: str) -> tuple[str, ...] | None:
    """The scopes ``requires(...)`` puts on ``root.field_name``, any one of which lets a
    caller in (None: no scope needed)."""
    strawberry_field = built_schema().get_field_for_type(field_name, root)
    assert strawberry_field is not None, f"{root}.{field_name}"
    scopes: tuple[str, ...] | None = None
    for extension in strawberry_field.extensions:
        if isinstance(extension, PermissionExtension):
            for permission in extension.permissions:
                assert isinstance(permission, HasScope), f"{root}.{field_name}: unknown permission {permission!r}"
                scopes = tuple(s for s in permission.scopes if scopes is None or s in scopes)
    return scopes
