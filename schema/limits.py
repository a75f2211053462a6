"""The limits every operation is held to before it runs, in one cheap pass.

``OperationLimits`` (a schema extension) serves parsing and validation from the
``DocumentCache`` and, on every request, before graphql-core validates anything:

- refuses a document with several operations and no ``operationName``
  (``BAD_USER_INPUT``) and a cycle of fragments (``GRAPHQL_VALIDATION_FAILED``);
- refuses an operation deeper than ``max_depth``, with more aliases than
  ``max_aliases``, costing more than the request's ``max_cost`` (with the
  request's variables), or repeating fields beyond ``MAX_REPEATS``
  (``QUERY_TOO_COMPLEX``, the message naming the limit and the value);
- refuses ``__schema``/``__type`` to a caller the request's policy does not allow
  (``FORBIDDEN``).

A refused document is never validated by graphql-core (whose overlapping-fields
rule is quadratic in repeated fields), so refusing costs a parse (bounded by the
token limit) and a walk linear in the document.

What may differ per HTTP request (the cost budget, who may introspect) comes
from the ``RequestPolicy`` the endpoint sets in ``current_policy``; without one
(the CLI, tests executing the schema directly) the schema's defaults apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from schema.cost import DocumentAnalysis, OperationAnalysis, analyse
from schema.document_cache import CachedDocument, DocumentCache
from schema.error_codes import GraphQLErrorCode, graphql_error

DEFAULT_MAX_COST = 10_000
"""Enough for the console's largest query (a page of 100 invoices with every
field, about 5,300) with room to spare."""

MAX_REPEATS = 2_000
"""Pairs of same-named selections in one merged selection set (see
``schema.cost``); validation time grows with their number."""

SHOWN_UP_TO = 1_000_000_000
"""Computed values above this are shown as "more than" it."""


@dataclass(frozen=True)
class RequestPolicy:
    """What one request may spend and read, decided by the endpoint."""

    max_cost: int = DEFAULT_MAX_COST
    introspection: bool = True


current_policy: ContextVar[RequestPolicy | None] = ContextVar("current_graphql_policy", default=None)
"""Set by the HTTP endpoint around each operation (``api.graphql_app``)."""


@dataclass(frozen=True)
class DocumentLimits:
    """The limits on a document's shape, fixed for a schema (from settings)."""

    max_depth: int = 10
    max_aliases: int = 15
    default_policy: RequestPolicy = RequestPolicy()


class OperationLimits(SchemaExtension):
    """Parse and validate through ``cache``, refusing what is over ``limits`` first.

    Passed as a factory (one instance per request); ``cache`` and ``limits`` are
    shared by every request of the schema, the rest is per request."""

    def __init__(self, cache: DocumentCache, limits: DocumentLimits) -> None:
        super().__init__()
        self.cache = cache
        self.limits = limits
        self.entry: CachedDocument | None = None
        self.cost: int | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query or ""
        max_tokens = context.parse_options.get("max_tokens")
        self.entry = self.cache.get(query, max_tokens)
        if self.entry is not None:
            context.graphql_document = self.entry.document
        yield
        if self.entry is None and context.graphql_document is not None and not context.pre_execution_errors:
            analysis = analyse(context.graphql_document, context.schema._schema)
            self.entry = self.cache.put(query, max_tokens, context.graphql_document, analysis)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        entry = self.entry
        if entry is None:  # nothing parsed: Strawberry answers on its own
            yield
            return
        refusal = self._refusal(entry.analysis)
        if refusal is not None:
            context.pre_execution_errors = [refusal]
            yield
            return
        cached = entry.validation_errors
        if cached is not None:  # Strawberry does not validate when errors (even none) are set
            context.pre_execution_errors = list(cached)
        yield
        if cached is None:
            self.cache.record_validation(entry, context.pre_execution_errors)

    def get_results(self) -> dict[str, Any]:
        """The cost of every operation that passed the limits, in the response's
        ``extensions.cost``: ``{"value": <its cost>, "limit": <the request's budget>}``
        (docs/limits.md). A request refused before its cost was known reports none."""
        if self.cost is None or self.execution_context.pre_execution_errors:
            return {}
        return {"cost": {"value": _shown(self.cost), "limit": self._policy().max_cost}}

    def _policy(self) -> RequestPolicy:
        return current_policy.get() or self.limits.default_policy

    def _refusal(self, analysis: DocumentAnalysis) -> GraphQLError | None:
        context = self.execution_context
        provided_name: str | None = getattr(context, "_provided_operation_name", None)
        if provided_name is None and len(analysis.operations) > 1:
            return graphql_error(
                "The document has several operations: name the one to run with `operationName`.",
                GraphQLErrorCode.BAD_USER_INPUT,
            )
        if analysis.cycle is not None:
            return graphql_error(
                f"Cannot spread fragment '{analysis.cycle}' within itself.", GraphQLErrorCode.GRAPHQL_VALIDATION_FAILED
            )
        if analysis.too_deep:
            return _too_complex("depth", None, self.limits.max_depth)
        operation = analysis.operation(provided_name)
        if operation is None:  # no such operation: graphql-core reports it
            return None
        return self._over_limits(operation, analysis)

    def _over_limits(self, operation: OperationAnalysis, analysis: DocumentAnalysis) -> GraphQLError | None:
        policy = self._policy()
        if operation.depth > self.limits.max_depth:
            return _too_complex("depth", operation.depth, self.limits.max_depth)
        if operation.aliases > self.limits.max_aliases:
            return _too_complex("aliases", operation.aliases, self.limits.max_aliases)
        cost = operation.cost(self.execution_context.variables)
        if cost > policy.max_cost:
            return _too_complex("cost", cost, policy.max_cost)
        repeats = analysis.repeats
        if repeats is None or repeats > MAX_REPEATS:
            return _too_complex("repeats", repeats, MAX_REPEATS)
        if operation.introspects and not policy.introspection:
            return graphql_error(
                "Introspection (`__schema`, `__type`) is not allowed for this caller.", GraphQLErrorCode.FORBIDDEN
            )
        self.cost = cost
        return None


def _shown(value: int) -> int:
    return min(value, SHOWN_UP_TO)


_WHAT = {
    "depth": "its depth is {}",
    "aliases": "it has {} aliases",
    "cost": "its cost is {}",
    "repeats": "it has {} pairs of fields selected under one name in a selection set",
}


def _too_complex(limit: str, value: int | None, maximum: int) -> GraphQLError:
    """``QUERY_TOO_COMPLEX`` naming ``limit``, the value found (None: too large to
    count) and the maximum, in the message and in ``extensions``."""
    if value is None or value > SHOWN_UP_TO:
        shown, value = f"more than {SHOWN_UP_TO:,}" if value is not None else "beyond counting", SHOWN_UP_TO + 1
    else:
        shown = f"{value:,}"
    return graphql_error(
        f"Query too complex: {_WHAT[limit].format(shown)}, over the limit of {maximum:,}.",
        GraphQLErrorCode.QUERY_TOO_COMPLEX,
        limit=limit,
        value=value,
        maximum=maximum,
    )
