"""The error shape every mutation payload carries."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import strawberry

from graphql import GraphQLError

from billing.access.rules import Forbidden
from billing.errors import BusinessError, ErrorCode, FieldError

T = TypeVar("T")

ErrorCodeEnum = strawberry.enum(ErrorCode, name="ErrorCode", description="Why a request was refused.")


PAYLOAD_ERRORS = "Why nothing was changed; empty on success."
"""The description of every mutation payload's ``errors`` field."""


@strawberry.type(description="An expected failure: bad input or a business rule. Nothing was changed.")
class UserError:
    code: ErrorCodeEnum = strawberry.field(description="What kind of failure, for programs.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="What went wrong, for people.")
    field: str | None = strawberry.field(description="The input field at fault (camelCase), if one is.")

    @classmethod
    def from_domain(cls, error: FieldError) -> UserError:
        return cls(code=error.code, message=error.message, field=error.field)


def forbidden(message: str) -> GraphQLError:
    """The one answer to every authorisation failure, a missing scope or a missing role."""
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


async def run_use_case(call: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """Await a use case; a ``BusinessError`` becomes the payload's ``errors``, and
    ``Forbidden`` the same GraphQL error a missing scope gives."""
    try:
        return await call, []
    except BusinessError as exc:
        return None, [UserError.from_domain(error) for error in exc.errors]
    except Forbidden as exc:
        raise forbidden(str(exc)) from None
