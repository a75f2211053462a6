"""The error shape every mutation payload carries, and the one answer to a refusal.

``Payload`` declares ``errors`` once; every mutation payload inherits it. The
GraphQL ``ErrorCode`` enum is billing's ``ErrorCode``, each value described by
billing's own description.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from billing.access.rules import Forbidden
from billing.errors import BusinessError, ErrorCode, FieldError
from schema.error_codes import GraphQLErrorCode, graphql_error

T = TypeVar("T")


def _register_error_codes() -> None:
    """Expose billing's ``ErrorCode`` as the GraphQL ``ErrorCode``, each value with
    billing's description (``strawberry.enum`` has no argument for the descriptions
    of an existing enum's values; a test checks that none is empty)."""
    strawberry.enum(
        ErrorCode,
        name="ErrorCode",
        description="Why a mutation changed nothing (`UserError.code`); docs/errors.md says what to do about each.",
    )
    for value in ErrorCode.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = ErrorCode(value.value).description


_register_error_codes()


@strawberry.type(description="An expected failure: bad input or a business rule. Nothing was changed.")
class UserError:
    code: ErrorCode = strawberry.field(description="What kind of failure, for programs.")
    message: str = strawberry.field(description="What went wrong, for people.")
    field: str | None = strawberry.field(description="The input field at fault (camelCase), if one is.")

    @classmethod
    def from_domain(cls, error: FieldError) -> UserError:
        return cls(code=error.code, message=error.message, field=error.field)


@strawberry.type
class Payload:
    """What every mutation payload has: the expected failures. A payload adds the
    changed object(s) as fields of its own."""

    errors: list[UserError] = strawberry.field(description="Why nothing was changed; empty on success.")


def forbidden(message: str) -> GraphQLError:
    """The one answer to every authorisation failure, a missing scope or a missing role."""
    return graphql_error(message, GraphQLErrorCode.FORBIDDEN)


async def run_use_case(call: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """Await a use case; a ``BusinessError`` becomes the payload's ``errors``, and
    ``Forbidden`` the same GraphQL error a missing scope gives."""
    try:
        return await call, []
    except BusinessError as exc:
        return None, [UserError.from_domain(error) for error in exc.errors]
    except Forbidden as exc:
        raise forbidden(str(exc)) from None
