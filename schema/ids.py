"""Reading global ids given in inputs: a wrong type or a malformed id names no
row, so it answers exactly like a missing one."""

from __future__ import annotations

import uuid

from strawberry import relay

NO_ACCOUNT = uuid.UUID(int=0)


def pk_of(global_id: relay.GlobalID, type_name: str) -> int:
    """The integer key of a ``type_name`` id; 0 (never a row) otherwise."""
    if global_id.type_name != type_name or not global_id.node_id.isdigit():
        return 0
    return int(global_id.node_id)


def account_of(global_id: relay.GlobalID | None) -> uuid.UUID | None:
    """The account's UUID, or a UUID that names no account when the id is wrong."""
    if global_id is None:
        return None
    if global_id.type_name != "Account":
        return NO_ACCOUNT
    try:
        return uuid.UUID(global_id.node_id)
    except ValueError:
        return NO_ACCOUNT
