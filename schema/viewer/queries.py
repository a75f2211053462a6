"""The viewer query (mixed into the root ``Query``)."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.viewer.types import Viewer


@strawberry.type
class ViewerQueries:
    @strawberry.field(description="Who is calling: subject, scopes, role and account.")
    def viewer(self, info: Info) -> Viewer:
        caller = info.context.caller
        return Viewer(
            subject=caller.subject,
            scopes=sorted(caller.scopes),
            client_id=caller.client_id,
            role=caller.role,
            is_staff=caller.is_staff,
        )
