"""The GraphQL schema: types, inputs, queries, mutations, permissions, loaders."""

from __future__ import annotations

import functools
import logging

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.document_cache import DocumentCache
from schema.execution import PortalExecutionContext, plain_leaf_fields
from schema.extensions import protections
from schema.limits import DEFAULT_MAX_COST
from schema.root import MUTATION_ROOT, Query
from schema.trusted import TrustedDocuments, register
from schema.types.account import AccountNode
from schema.types.scalars import SCALARS

logger = logging.getLogger("portal.graphql")


class PortalSchema(strawberry.Schema):
    document_cache: DocumentCache
    """Parsed, analysed and validated documents of this schema (``schema.limits``)."""
    trusted_documents: TrustedDocuments
    """The documents sent by id or known by text (``schema.trusted``)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Client mistakes (validation, limits, permissions) are logged briefly at INFO;
        unexpected exceptions were already logged in full by ``MaskInternalErrors``."""
        for error in errors:
            logger.info("refused operation: %s", error.message)


@functools.cache
def build_schema(
    *,
    max_depth: int = 10,
    max_aliases: int = 15,
    max_tokens: int = 2_000,
    max_cost: int = DEFAULT_MAX_COST,
    field_suggestions: bool = False,
    trusted: TrustedDocuments | None = None,
    compiled_plans: bool = True,
) -> PortalSchema:
    """The schema with its protections, built once per set of limits (Strawberry
    applies field extensions to the type classes as it builds). ``max_cost`` is
    the default budget; the HTTP endpoint sets each request's own
    (``schema.limits.current_policy``). ``trusted`` are the trusted documents
    (default: the repository's), run on compiled plans unless ``compiled_plans``
    is false (``schema.trusted``)."""
    cache = DocumentCache()
    execution_context = type("PortalExecutionContext", (PortalExecutionContext,), {})
    schema = PortalSchema(
        query=Query,
        mutation=MUTATION_ROOT,
        types=[AccountNode],
        extensions=protections(max_depth, max_aliases, max_tokens, max_cost, cache),
        config=StrawberryConfig(disable_field_suggestions=not field_suggestions, scalar_map=SCALARS),
        execution_context_class=execution_context,
    )
    execution_context.plain_fields = plain_leaf_fields(schema._schema)
    schema.document_cache = cache
    register(schema, trusted if trusted is not None else TrustedDocuments.load(), compiled=compiled_plans)
    return schema
