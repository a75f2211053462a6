"""Baseline protections every operation goes through, and the codes of the errors
they (and GraphQL itself) answer with.

Extensions are passed as factories so each request gets fresh instances; a
shared instance would leak execution state between concurrent requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors, MaxTokensLimiter, SchemaExtension

from models.database import is_database_unavailable
from schema.document_cache import DocumentCache
from schema.error_codes import GraphQLErrorCode, set_code
from schema.limits import DocumentLimits, OperationLimits, RequestPolicy
from schema.request_id import current_request_id

logger = logging.getLogger("portal.graphql")

_TOKEN_LIMIT = "Syntax Error: Document contains more than"
"""How graphql-core's parser begins the error of ``MaxTokensLimiter`` (a test pins it)."""


class MaskInternalErrors(MaskErrors):
    """Unexpected exceptions reach the client as one opaque message with the
    request id; the real error goes to the log under that id. Errors the API
    raises on purpose (GraphQL errors: validation, limits, permissions) pass."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_internal, error_message="Internal server error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = current_request_id.get()
        if is_database_unavailable(error.original_error):
            return self._unavailable(error, request_id)
        logger.error(
            "internal error at %s (request %s)",
            ".".join(str(p) for p in error.path or []) or "-",
            request_id,
            exc_info=error.original_error,
        )
        return GraphQLError(
            message=f"{self.error_message} Quote request id {request_id} to support.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": GraphQLErrorCode.INTERNAL.value, "requestId": request_id},
        )

    def _unavailable(self, error: GraphQLError, request_id: str) -> GraphQLError:
        """The database failed inside a resolver: not a bug, an outage. The response
        becomes a 503 with ``Retry-After``, like an outage met before GraphQL runs."""
        logger.warning(
            "database unavailable at %s (request %s): %s",
            ".".join(str(p) for p in error.path or []) or "-", request_id, type(error.original_error).__name__,
        )
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = 503
            response.headers["Retry-After"] = "5"
        return GraphQLError(
            message="Service temporarily unavailable: the database is not answering. Retry in 5 s."
            f" If it persists, quote request id {request_id} to support.",
            nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
            extensions={"code": GraphQLErrorCode.SERVICE_UNAVAILABLE.value, "requestId": request_id},
        )


def _is_internal(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class ErrorCodes(SchemaExtension):
    """Give every GraphQL error an ``extensions.code`` by the stage that refused the
    request: parsing (``GRAPHQL_PARSE_FAILED``; the token limit is
    ``QUERY_TOO_COMPLEX``), validation (``GRAPHQL_VALIDATION_FAILED``; the limits
    of ``schema.limits`` code their own errors), and execution (a variable
    or argument that cannot be read as its type: ``BAD_USER_INPUT``). Errors that
    already carry a code keep it; internal errors are left to ``MaskInternalErrors``."""

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or []:
            too_big = isinstance(error, GraphQLSyntaxError) and error.message.startswith(_TOKEN_LIMIT)
            set_code(error, GraphQLErrorCode.QUERY_TOO_COMPLEX if too_big else GraphQLErrorCode.GRAPHQL_PARSE_FAILED)

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or []:
            set_code(error, GraphQLErrorCode.GRAPHQL_VALIDATION_FAILED)

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = result.errors if result is not None else None
        for error in errors or []:
            if not _is_internal(error):
                set_code(error, GraphQLErrorCode.BAD_USER_INPUT)


class OperationName(SchemaExtension):
    """Leave the operation's name (given, or the document's only operation's) on the
    context, for the metrics and the access log of the HTTP layer."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        if hasattr(context, "operation_name"):
            context.operation_name = self.execution_context.operation_name


def protections(
    max_depth: int, max_aliases: int, max_tokens: int, max_cost: int, cache: DocumentCache
) -> list[Callable[[], SchemaExtension]]:
    """The extensions of a schema, in order: the token limit (while parsing), the
    cached parse, analysis and validation with the depth, alias, cost and
    introspection limits (``schema.limits``), the error codes, the masking.
    ``cache`` is shared by every request of the schema."""
    limits = DocumentLimits(max_depth, max_aliases, RequestPolicy(max_cost=max_cost))
    return [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: OperationLimits(cache, limits),
        ErrorCodes,
        MaskInternalErrors,
        OperationName,
    ]
