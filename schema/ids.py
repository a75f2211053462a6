"""Global ids: the one place they are made and read.

Every id the API, the CLI and the ``X-Account-ID`` header deal in is a Relay
global id (base64 of ``"<Type>:<key>"``). A malformed id, an id of another
type, or a key out of range names no row: readers answer it exactly like a
missing one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

from strawberry import relay

R = TypeVar("R")
N = TypeVar("N")

NO_ACCOUNT = uuid.UUID(int=0)
"""A UUID that names no account, for a wrong account id in an input."""

MAX_KEY = 2**31 - 1
"""The largest integer key: every integer primary key is a 32-bit ``IntField`` (``integer``
on PostgreSQL, which refuses a larger value in a query instead of finding no row)."""
_DIGITS = re.compile(r"[1-9][0-9]{0,9}")


def global_id(type_name: str, key: object) -> str:
    """The global id of the ``type_name`` row whose key is ``key``."""
    return str(relay.GlobalID(type_name, str(key)))


def int_key(node_id: str) -> int | None:
    """The integer key in a node id (the part after ``Type:``), or None when it is
    not a positive integer in range (ASCII digits only, no sign, no leading zero)."""
    if not _DIGITS.fullmatch(node_id):
        return None
    key = int(node_id)
    return key if key <= MAX_KEY else None


def int_keys(node_ids: Iterable[str]) -> list[int | None]:
    return [int_key(node_id) for node_id in node_ids]


def uuid_key(node_id: str) -> uuid.UUID | None:
    """The UUID key in a node id (an account's), or None when it is not one."""
    try:
        return uuid.UUID(node_id)
    except ValueError:
        return None


def pk_of(gid: relay.GlobalID, type_name: str) -> int:
    """The integer key of a ``type_name`` id; 0 (never a row) otherwise."""
    if gid.type_name != type_name:
        return 0
    return int_key(gid.node_id) or 0


def account_of(gid: relay.GlobalID | None) -> uuid.UUID | None:
    """The account's UUID, or a UUID that names no account when the id is wrong."""
    if gid is None:
        return None
    if gid.type_name != "Account":
        return NO_ACCOUNT
    return uuid_key(gid.node_id) or NO_ACCOUNT


def parse_account_id(text: str) -> uuid.UUID | None:
    """An account id given as text (the CLI, ``X-Account-ID``): its global id, or
    the bare UUID inside it. None when it is neither."""
    text = text.strip()
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    try:
        gid = relay.GlobalID.from_id(text)
    except (ValueError, TypeError):
        return None
    account = account_of(gid)
    return None if account == NO_ACCOUNT else account


async def resolve_int_nodes(
    node_ids: Iterable[str],
    fetch: Callable[[list[int]], Awaitable[dict[int, R]]],
    to_node: Callable[[R], N],
) -> list[N | None]:
    """``resolve_nodes`` for types keyed by integers: one ``fetch`` of the keys (which
    returns only the rows the caller may read), then a node, or None, per id in order."""
    keys: Sequence[int | None] = int_keys(node_ids)
    rows = await fetch([key for key in keys if key is not None])
    return [to_node(rows[key]) if key is not None and key in rows else None for key in keys]
