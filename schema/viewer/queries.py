"""The viewer query, and reading any object by its global id (mixed into the root
``Query``).

``node(id:)`` and ``nodes(ids:)`` read every ``Node`` type through one gate: the
type's declared read scopes (``schema.permissions.readable_by``). An object of a
type the caller may not read answers ``null``, exactly like a missing id or one
of another account, so a caller cannot tell which ids exist.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Annotated, Any

import strawberry
from strawberry import relay

from schema.context import Info
from schema.error_codes import GraphQLErrorCode, graphql_error
from schema.permissions import may_read_type
from schema.viewer.types import Viewer

MAX_NODES = 100
"""The most ids one ``nodes`` call reads."""

IdsArg = Annotated[
    list[strawberry.ID], strawberry.argument(description=f"Global ids, at most {MAX_NODES}; repeats are allowed.")
]


def _node_type(info: Info, node_id: str) -> tuple[type[relay.Node], str] | None:
    """The type ``node_id`` names and its key, if the id is well formed, names a
    ``Node`` type and the caller may read that type; None otherwise."""
    try:
        global_id = relay.GlobalID.from_id(node_id)
        node_type = global_id.resolve_type(info)
    except ValueError:  # malformed id or unknown type: same answer as missing
        return None
    if not may_read_type(info.context.caller, node_type):  # same answer as missing too
        return None
    return node_type, global_id.node_id


async def _resolve(info: Info, node_type: type[relay.Node], keys: list[str]) -> list[Any]:
    """``node_type``'s objects for ``keys`` (None where missing or not the caller's)."""
    nodes: Any = node_type.resolve_nodes(info=info, node_ids=keys, required=False)
    if inspect.isawaitable(nodes):
        nodes = await nodes
    return list(nodes)


async def read_nodes(info: Info, node_ids: Iterable[str]) -> list[relay.Node | None]:
    """The object of each id, in order: one read per type, through the type's own
    ``resolve_nodes`` (which returns only the caller's account's rows, any for staff)."""
    wanted = [_node_type(info, node_id) for node_id in node_ids]
    keys_by_type: dict[type[relay.Node], list[str]] = {}
    for item in wanted:
        if item is not None:
            keys_by_type.setdefault(item[0], []).append(item[1])
    found: dict[tuple[type[relay.Node], str], relay.Node] = {}
    for node_type, keys in keys_by_type.items():
        unique = list(dict.fromkeys(keys))
        for key, node in zip(unique, await _resolve(info, node_type, unique), strict=True):
            if node is not None:
                found[node_type, key] = node
    return [found.get(item) if item is not None else None for item in wanted]


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


@strawberry.type
class NodeQueries:
    # Written out rather than ``relay.node()``: that helper binds itself to this
    # class once, and the service builds one schema per set of limits.
    @strawberry.field(
        description="Any object by its global id; null when it does not exist, is not yours, or is of a type your "
        "token's scopes do not read (invoice profiles and applications need billing:read or billing:write)."
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return (await read_nodes(info, [id]))[0]

    @strawberry.field(
        description=f"Several objects by their global ids (at most {MAX_NODES}), in the order asked: each is null "
        "exactly when `node(id:)` would answer null for it (so each type needs the scopes its own "
        "description names). More ids are refused with BAD_USER_INPUT."
    )
    async def nodes(self, info: Info, ids: IdsArg) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise graphql_error(
                f"nodes reads at most {MAX_NODES} ids at a time; {len(ids)} were given.",
                GraphQLErrorCode.BAD_USER_INPUT,
            )
        return await read_nodes(info, ids)
