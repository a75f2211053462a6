"""Keyset (cursor) pagination for Relay connections.

``keyset_connection`` pages any Tortoise query by an ordering key that ends in a
unique column (``("id",)``, ``("-issued_at", "-id")``): rows inserted while a
client pages never shift or repeat a page, unlike offsets. The cursor is an
opaque encoding of the ordering key's values of the row it points at.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry import relay
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from schema.error_codes import GraphQLErrorCode, graphql_error

DEFAULT_PAGE = 20
MAX_PAGE = 100

FirstArg = Annotated[
    int | None,
    strawberry.argument(description=f"How many items to return ({DEFAULT_PAGE} by default, at most {MAX_PAGE})."),
]
AfterArg = Annotated[
    str | None, strawberry.argument(description="Return the items after this cursor (an edge's `cursor`).")
]

M = TypeVar("M", bound=Model)
N = TypeVar("N")
C = TypeVar("C")

_TAGS: dict[str, tuple[type, Callable[[Any], str], Callable[[str], Any]]] = {
    "dt": (datetime, datetime.isoformat, datetime.fromisoformat),
    "d": (date, date.isoformat, date.fromisoformat),
    "u": (uuid.UUID, str, uuid.UUID),
    "n": (Decimal, str, Decimal),
}


def _bad_input(message: str) -> GraphQLError:
    return graphql_error(message, GraphQLErrorCode.BAD_USER_INPUT)


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for the ordering-key ``values`` of one row."""
    encoded = []
    for value in values:
        for tag, (kind, dump, _) in _TAGS.items():
            if isinstance(value, kind):
                encoded.append({tag: dump(value)})
                break
        else:
            encoded.append(value.value if hasattr(value, "value") else value)
    raw = json.dumps(encoded, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The values a cursor holds; a GraphQL error if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        encoded = json.loads(raw)
        if not isinstance(encoded, list) or len(encoded) != size:
            raise ValueError("wrong length")
        return [_decode_value(value) for value in encoded]
    except (ValueError, binascii.Error, UnicodeDecodeError, TypeError) as exc:
        raise _bad_input("`after` is not a valid cursor.") from exc


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        ((tag, text),) = value.items()
        return _TAGS[tag][2](text)
    return value


def _after_filter(order_by: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after ``values`` in the ``order_by`` ordering."""
    alternatives = []
    for index, key in enumerate(order_by):
        name = key.lstrip("-")
        equal = {k.lstrip("-"): v for k, v in zip(order_by[:index], values[:index])}
        op = "lt" if key.startswith("-") else "gt"
        alternatives.append(Q(**equal, **{f"{name}__{op}": values[index]}))
    return Q(*alternatives, join_type="OR")


def page_size(first: int | None) -> int:
    """``first`` checked against the limits (default 20, at most 100)."""
    if first is None:
        return DEFAULT_PAGE
    if not 0 <= first <= MAX_PAGE:
        raise _bad_input(f"`first` must be between 0 and {MAX_PAGE}.")
    return first


async def keyset_connection(
    query: QuerySet[M],
    *,
    order_by: Sequence[str],
    first: int | None,
    after: str | None,
    to_node: Callable[[M], N],
    ordering: str | None = None,
    connection: Callable[..., C] = relay.Connection,  # type: ignore[assignment]
    **extra: Any,
) -> C:
    """One page of ``query`` as a Relay connection, ordered by ``order_by``
    (Tortoise syntax, ``-`` for descending; the last key must be unique).

    ``ordering`` names the ordering when a list can be sorted several ways: its
    cursors carry the name, and a cursor of another ordering is refused instead of
    being compared with values of another column. ``connection`` is the type to
    build (a ``relay.Connection`` subclass with fields of its own), given ``extra``."""
    size = page_size(first)
    if after:
        values = decode_cursor(after, len(order_by) + (ordering is not None))
        if ordering is not None and values.pop(0) != ordering:
            raise _bad_input("`after` is a cursor of another ordering: page with the ordering it came from.")
        query = query.filter(_after_filter(order_by, values))
    rows = await query.order_by(*order_by).limit(size + 1)
    has_next = len(rows) > size
    rows = rows[:size]
    prefix = [ordering] if ordering is not None else []
    edges = [
        relay.Edge(node=to_node(row), cursor=encode_cursor([*prefix, *(getattr(row, key.lstrip("-")) for key in order_by)]))
        for row in rows
    ]
    page_info = relay.PageInfo(
        has_next_page=has_next,
        has_previous_page=bool(after),
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return connection(edges=edges, page_info=page_info, **extra)
