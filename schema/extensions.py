"""Baseline protections every operation goes through.

Extensions are passed as factories so each request gets fresh instances; a
shared instance would leak execution state between concurrent requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from schema.request_id import current_request_id

logger = logging.getLogger("portal.graphql")


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
            extensions={"code": "INTERNAL", "requestId": request_id},
        )


def _is_internal(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def protections(max_depth: int, max_aliases: int, max_tokens: int) -> list[Callable[[], SchemaExtension]]:
    return [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        MaskInternalErrors,
    ]
