"""``/graphql``: authenticate, then hand the request to Strawberry.

Authentication happens before GraphQL runs, so a missing or bad token is an
HTTP 401 with ``WWW-Authenticate`` (RFC 6750), never a GraphQL error.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from api.oauth.validation import AccessTokenValidator, InvalidToken
from billing.access.caller import Caller
from billing.access.identity import NotAuthorised, resolve_caller
from schema.context import Context
from schema.error_codes import GraphQLErrorCode
from schema.ids import parse_account_id

logger = logging.getLogger("portal.auth")


# Rendering the GraphiQL page builds a context too, before any operation runs; it
# gets a caller with no scopes and no account, who can read nothing.
_PAGE_VIEWER = Caller(subject="anonymous", scopes=frozenset(), client_id="")


class PortalGraphQL(GraphQL):
    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        services = request.app.state.services
        return Context(
            request=request,
            response=response,
            caller=request.scope.get("portal.caller", _PAGE_VIEWER),
            payment_gateway=services.payment_gateway,
            invoice_fees=services.invoice_fees,
            billing_policy=services.billing_policy,
            clock=services.clock,
        )


class GraphQLEndpoint:
    def __init__(self, schema: BaseSchema, validator: AccessTokenValidator, *, graphiql: bool) -> None:
        self.validator = validator
        self.graphiql = graphiql
        self.graphql = PortalGraphQL(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=False,
            subscription_protocols=(),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if self.graphiql and request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            await self.graphql(scope, receive, send)
            return
        try:
            scope["portal.caller"] = await self._authenticate(request)
        except (InvalidToken, NotAuthorised) as exc:
            await self._unauthorised(exc, request).__call__(scope, receive, send)
            return
        await self.graphql(scope, receive, send)

    async def _authenticate(self, request: Request) -> Any:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _MissingToken("a bearer access token is required")
        claims = await self.validator.validate(token.strip())
        return await resolve_caller(
            claims, own_issuer=self.validator.issuer_keys.own_issuer, account_hint=_account_hint(request)
        )

    @staticmethod
    def _unauthorised(exc: Exception, request: Request) -> Response:
        logger.info("refused %s %s: %s", request.method, request.url.path, exc)
        if isinstance(exc, _MissingToken):
            challenge = 'Bearer realm="billing-portal"'
        else:
            description = str(exc).replace('"', "'")
            challenge = f'Bearer realm="billing-portal", error="invalid_token", error_description="{description}"'
        return JSONResponse(
            {"errors": [{"message": f"Unauthorised: {exc}", "extensions": {"code": GraphQLErrorCode.UNAUTHENTICATED.value}}]},
            status_code=401,
            headers={"WWW-Authenticate": challenge},
        )


class _MissingToken(InvalidToken):
    pass


def _account_hint(request: Request) -> uuid.UUID | None:
    """The account chosen with ``X-Account-ID``: the account's global id (as the API
    and the CLI print it) or its bare UUID."""
    header = request.headers.get("x-account-id")
    if header is None or not header.strip():
        return None
    account_id = parse_account_id(header)
    if account_id is None:
        raise NotAuthorised("X-Account-ID is not an account id")
    return account_id
