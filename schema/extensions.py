"""Baseline protections every operation goes through, and the codes of the errors
they (and GraphQL itself) answer with.

Extensions are passed as factories so each request gets fresh instances; a
shared instance would leak execution state between concurrent requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from graphql import ASTValidationRule, GraphQLError, GraphQLSyntaxError
from graphql.validation import ASTValidationContext
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from schema.error_codes import GraphQLErrorCode, set_code
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


def _is_internal(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class ErrorCodes(SchemaExtension):
    """Give every GraphQL error an ``extensions.code`` by the stage that refused the
    request: parsing (``GRAPHQL_PARSE_FAILED``; the token limit is
    ``QUERY_TOO_COMPLEX``), validation (``GRAPHQL_VALIDATION_FAILED``; the depth
    and alias limits tag theirs ``QUERY_TOO_COMPLEX``), and execution (a variable
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


@contextmanager
def _reporting_with(context: ASTValidationContext, code: GraphQLErrorCode) -> Iterator[None]:
    """While open, errors reported to ``context`` get ``code``."""
    report = context.on_error

    def coded(error: GraphQLError) -> None:
        set_code(error, code)
        report(error)

    setattr(context, "on_error", coded)
    try:
        yield
    finally:
        setattr(context, "on_error", report)


def _coded_rule(rule: type[ASTValidationRule], code: GraphQLErrorCode) -> type[ASTValidationRule]:
    """``rule`` itself, with ``code`` on the errors it reports while it is set up:
    the depth and alias limiters do all their work there."""

    def __init__(self: ASTValidationRule, context: ASTValidationContext) -> None:
        with _reporting_with(context, code):
            rule.__init__(self, context)

    return type(f"Coded{rule.__name__}", (rule,), {"__init__": __init__})


def _coded(extension: AddValidationRules, code: GraphQLErrorCode) -> AddValidationRules:
    extension.validation_rules = [_coded_rule(rule, code) for rule in extension.validation_rules]
    return extension


def protections(max_depth: int, max_aliases: int, max_tokens: int) -> list[Callable[[], SchemaExtension]]:
    too_complex = GraphQLErrorCode.QUERY_TOO_COMPLEX
    return [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: _coded(QueryDepthLimiter(max_depth=max_depth), too_complex),
        lambda: _coded(MaxAliasesLimiter(max_alias_count=max_aliases), too_complex),
        ErrorCodes,
        MaskInternalErrors,
    ]
