"""The GraphQL schema: types, inputs, queries, mutations, permissions, loaders."""

from __future__ import annotations

import functools
import logging
import re

import strawberry
from graphql import GraphQLEnumType, GraphQLError, GraphQLSchema
from opentelemetry.trace import TracerProvider
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.permission import PermissionExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.document_cache import DocumentCache
from schema.execution import PortalExecutionContext, plain_leaf_fields
from schema.extensions import protections
from schema.limits import DEFAULT_MAX_COST
from schema.permissions import HasScope
from schema.root import MUTATION_ROOT, Query
from schema.trusted import TrustedDocuments, register
from schema.types.account import AccountNode
from schema.types.scalars import SCALARS

logger = logging.getLogger("portal.graphql")

_QUOTED = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_VALUE_TAIL = re.compile(r"(\b(?:found:?|non[ -]\w+ value:)\s)[\s\S]*$")


class PortalSchema(strawberry.Schema):
    document_cache: DocumentCache
    """Parsed, analysed and validated documents of this schema (``schema.limits``)."""
    trusted_documents: TrustedDocuments
    """The documents sent by id or known by text (``schema.trusted``)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Client mistakes (validation, limits, permissions) are logged briefly at INFO;
        unexpected exceptions were already logged in full by ``MaskInternalErrors``."""
        for error in errors:
            logger.info("refused operation: %s", without_values(error.message, self.names))

    @functools.cached_property
    def names(self) -> frozenset[str]:
        """Every name of the schema: its types, fields (also as ``Type.field``), arguments
        and enum values."""
        return schema_names(self._schema)


def without_values(message: str, names: frozenset[str]) -> str:
    """``message`` without the values the client sent: graphql-core quotes them (``found: {
    token: "tok_…" }``, ``Value 'x' does not exist``), and a card token or a password in a
    refused mutation must not reach the log. Names of the schema (types, fields, arguments,
    enum values) and variables stay, so that the line still says what was wrong."""
    message = _VALUE_TAIL.sub(r"\1[redacted]", message)

    def quoted(match: re.Match[str]) -> str:
        text = match.group()
        inner = text.strip("'\"")
        if inner.strip("[]!") in names or re.fullmatch(r"\$[_A-Za-z][_0-9A-Za-z]*", inner):
            return text
        return f"{text[0]}[redacted]{text[-1]}"

    return _QUOTED.sub(quoted, message)


def schema_names(schema: GraphQLSchema) -> frozenset[str]:
    names: set[str] = set()
    for name, named in schema.type_map.items():
        names.add(name)
        if isinstance(named, GraphQLEnumType):
            names.update(named.values)
        for field_name, field in getattr(named, "fields", {}).items():
            names.update((field_name, f"{name}.{field_name}", *getattr(field, "args", {})))
    return frozenset(names)


def describe_scopes(schema: strawberry.Schema) -> None:
    """End the description of every root field that needs a scope with the scopes
    that let a caller in, as its ``requires`` says: the schema tells partners what
    to ask for, and cannot say anything else than what is enforced."""
    for root in (schema._schema.query_type, schema._schema.mutation_type):
        if root is None:
            continue
        for name, field in root.fields.items():
            scopes = field_scopes(schema, root.name, name)
            if scopes:
                listed = ", ".join(f"`{scope}`" for scope in scopes)
                field.description = f"{(field.description or '').rstrip()} Needs one of the scopes {listed}."


def field_scopes(schema: strawberry.Schema, root: str, name: str) -> tuple[str, ...]:
    """The scopes ``requires(...)`` puts on the root field ``root.name`` (any one lets a caller in)."""
    strawberry_field = schema.get_field_for_type(name, root)
    scopes: tuple[str, ...] = ()
    for extension in strawberry_field.extensions if strawberry_field else ():
        if isinstance(extension, PermissionExtension):
            for permission in extension.permissions:
                if isinstance(permission, HasScope):
                    scopes = scopes + tuple(s for s in permission.scopes if s not in scopes)
    return scopes


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
    tracer_provider: TracerProvider | None = None,
) -> PortalSchema:
    """The schema with its protections, built once per set of limits (Strawberry
    applies field extensions to the type classes as it builds). ``max_cost`` is
    the default budget; the HTTP endpoint sets each request's own
    (``schema.limits.current_policy``). ``trusted`` are the trusted documents
    (default: the repository's), run on compiled plans unless ``compiled_plans``
    is false (``schema.trusted``). ``tracer_provider``: trace operations and resolvers."""
    cache = DocumentCache()
    execution_context = type("PortalExecutionContext", (PortalExecutionContext,), {})
    schema = PortalSchema(
        query=Query,
        mutation=MUTATION_ROOT,
        types=[AccountNode],
        extensions=[
            *protections(max_depth, max_aliases, max_tokens, max_cost, cache),
            # operations and resolvers as spans, when the app traces (api/tracing.py)
            *([functools.partial(OpenTelemetryExtension, tracer_provider=tracer_provider)] if tracer_provider else []),
        ],
        config=StrawberryConfig(disable_field_suggestions=not field_suggestions, scalar_map=SCALARS),
        execution_context_class=execution_context,
    )
    execution_context.plain_fields = plain_leaf_fields(schema._schema)
    describe_scopes(schema)
    schema.document_cache = cache
    register(schema, trusted if trusted is not None else TrustedDocuments.load(), compiled=compiled_plans)
    return schema
