"""The codes of GraphQL-level errors: ``errors[].extensions.code`` of a response.

These are failures of the request itself (who is asking, what the document says,
how big it is); a mutation's expected failures are ``UserError`` values in its
payload instead (``billing.errors.ErrorCode``). Every code has a description here
and a row in docs/errors.md; a test checks both.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from graphql import GraphQLError


class GraphQLErrorCode(Enum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    BAD_REQUEST = "BAD_REQUEST"
    PERSISTED_DOCUMENT_NOT_FOUND = "PERSISTED_DOCUMENT_NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    ACCOUNT_NOT_CHOSEN = "ACCOUNT_NOT_CHOSEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
    INTERNAL = "INTERNAL"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    RATE_LIMITED = "RATE_LIMITED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    IDEMPOTENCY_IN_PROGRESS = "IDEMPOTENCY_IN_PROGRESS"

    @property
    def description(self) -> str:
        """What the code means ("" if none was written)."""
        return _DESCRIPTIONS.get(self, "")


_DESCRIPTIONS: dict[GraphQLErrorCode, str] = {
    GraphQLErrorCode.UNAUTHENTICATED: "No valid access token (HTTP 401, with `WWW-Authenticate`).",
    GraphQLErrorCode.BAD_REQUEST: (
        "The HTTP request is not a GraphQL request (HTTP 400): the body is not JSON, not an object, nested too"
        " deep, or its `query`, `variables` or `extensions` have the wrong type; or it is a batch (a JSON array)."
    ),
    GraphQLErrorCode.PERSISTED_DOCUMENT_NOT_FOUND: (
        "The request names a document by `documentId` (or `extensions.persistedQuery.sha256Hash`) that is not one of"
        " the server's trusted documents (HTTP 400): send the text as `query`, or an id `portal documents` lists."
    ),
    GraphQLErrorCode.FORBIDDEN: "The caller lacks the scope, or the role, that the field or mutation needs.",
    GraphQLErrorCode.ACCOUNT_NOT_CHOSEN: (
        "The caller is a member of several accounts and sent no `X-Account-ID`: a field that reads or changes an"
        " account's data needs the id of one of `viewer.memberships` in that header (HTTP 200)."
    ),
    GraphQLErrorCode.BAD_USER_INPUT: (
        "A variable or argument cannot be read as its type, or an argument is out of range (a page size, a cursor);"
        " or the request does not say which operation to run (several and no `operationName`, or an unknown one)."
    ),
    GraphQLErrorCode.GRAPHQL_PARSE_FAILED: "The document is not valid GraphQL syntax.",
    GraphQLErrorCode.GRAPHQL_VALIDATION_FAILED: "The document does not fit the schema (unknown field, wrong argument).",
    GraphQLErrorCode.QUERY_TOO_COMPLEX: (
        "The document is too deep, has too many aliases, tokens or repeated fields, or would cost too much"
        " (connections count `first` times); refused before it runs."
    ),
    GraphQLErrorCode.REQUEST_TIMEOUT: (
        "The operation did not finish within `PORTAL_GRAPHQL_TIMEOUT_SECONDS`; it was cancelled (HTTP 200)."
    ),
    GraphQLErrorCode.INTERNAL: "An unexpected failure; the message quotes the request id to give support.",
    GraphQLErrorCode.SERVICE_UNAVAILABLE: (
        "A dependency (the database, or the token issuer's keys) did not answer: HTTP 503 with `Retry-After`; "
        "a failed query changed nothing, a mutation's effect may have to be checked."
    ),
    GraphQLErrorCode.RATE_LIMITED: (
        "The caller's request budget (per partner client, or per person) is spent: HTTP 429 with `Retry-After`"
        " and `RateLimit-*` headers; nothing ran."
    ),
    GraphQLErrorCode.IDEMPOTENCY_KEY_REUSED: (
        "The `Idempotency-Key` was already used by this caller with another request body (HTTP 422); nothing ran."
    ),
    GraphQLErrorCode.IDEMPOTENCY_IN_PROGRESS: (
        "The first request with this `Idempotency-Key` is still running and did not answer in time (HTTP 409)."
    ),
}


def graphql_error(message: str, code: GraphQLErrorCode, **extensions: Any) -> GraphQLError:
    """A GraphQL error carrying ``extensions.code``."""
    return GraphQLError(message, extensions={"code": code.value, **extensions})


def code_of(error: GraphQLError) -> str | None:
    """The ``extensions.code`` of ``error``, if it has one."""
    return (error.extensions or {}).get("code")


def set_code(error: GraphQLError, code: GraphQLErrorCode) -> None:
    """Give ``error`` ``code`` unless it already has a code."""
    if code_of(error) is None:
        error.extensions = {**(error.extensions or {}), "code": code.value}
