"""The root types. Each feature contributes a query (and mutation) mixin class;
the roots inherit from all of them, so adding a feature is one line here."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.context import Info
from schema.types.viewer import Viewer


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

    node: relay.Node | None = relay.node(
        description="Any object by its global id; null when it does not exist or is not yours."
    )


@strawberry.type(description="Everything a caller can read.")
class Query(ViewerQueries):
    pass


MUTATION_ROOT: type | None = None
