"""Enums of the viewer, registered once as GraphQL enums (import them from here;
see ``schema.types.enums``)."""

from __future__ import annotations

import strawberry

from models.accounts import Role

__all__ = ["Role"]

strawberry.enum(Role, name="Role", description="What a member may do on an account.")
