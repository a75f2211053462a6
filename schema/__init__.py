"""The GraphQL schema: types, inputs, queries, mutations, permissions, loaders."""

from __future__ import annotations

import functools

import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.extensions import protections
from schema.root import MUTATION_ROOT, Query
from schema.types.account import AccountNode


@functools.cache
def build_schema(
    *, max_depth: int = 10, max_aliases: int = 15, max_tokens: int = 2_000, field_suggestions: bool = False
) -> strawberry.Schema:
    """The schema with its protections. Built once per set of limits: Strawberry
    binds field extensions to the type classes, so a class must not be bound twice."""
    return strawberry.Schema(
        query=Query,
        mutation=MUTATION_ROOT,
        types=[AccountNode],
        extensions=protections(max_depth, max_aliases, max_tokens),
        config=StrawberryConfig(disable_field_suggestions=not field_suggestions),
    )
