"""``/graphql``: authenticate, then hand the request to Strawberry.

Authentication happens before GraphQL runs, so a missing or bad token is an
HTTP 401 with ``WWW-Authenticate`` (RFC 6750), never a GraphQL error.

Each operation then runs under the request's policy (its cost budget, whether it
may introspect: ``schema.limits``) and within ``PORTAL_GRAPHQL_TIMEOUT_SECONDS``:
past it the operation is cancelled and the answer is a ``REQUEST_TIMEOUT``
error (HTTP 200, like every GraphQL error but ``UNAUTHENTICATED``). A request
that names no runnable operation (no query, an unknown ``operationName``) gets a
coded GraphQL error too, not Strawberry's plain-text 400.

A body that is not a GraphQL request (not JSON, JSON but not an object, nested
deeper than ``MAX_JSON_DEPTH``, a ``query`` that is not a string, ``variables`` or
``extensions`` that are not objects) is an HTTP 400 whose JSON body carries one
``BAD_REQUEST`` error saying what is wrong.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.idempotency import serve_idempotently
from api.oauth.validation import AccessTokenValidator, InvalidToken
from api.settings import Settings
from api.web.routes import graphiql_page
from billing.access.caller import Caller
from billing.access.identity import NotAuthorised, require_unrevoked, resolve_caller
from schema.context import Context
from schema.error_codes import GraphQLErrorCode, graphql_error
from schema.ids import parse_account_id
from schema.introspection import may_introspect
from schema.limits import RequestPolicy, current_policy
from schema.request_id import current_request_id
from schema.trusted import ID_PREFIX

logger = logging.getLogger("portal.auth")
graphql_logger = logging.getLogger("portal.graphql")


# Rendering the GraphiQL page builds a context too, before any operation runs; it
# gets a caller with no scopes and no account, who can read nothing.
_PAGE_VIEWER = Caller(subject="anonymous", scopes=frozenset(), client_id="")


MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects a request body may have (variables included)."""


class PortalGraphQL(GraphQL):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            graphql_logger.info("refused request: %s %s", exc.status_code, exc.reason)
            response = bad_request(exc.reason, exc.status_code, getattr(exc, "code", GraphQLErrorCode.BAD_REQUEST))
        await response(scope, receive, send)

    def encode_json(self, data: object) -> bytes:
        """The response body: orjson (several times faster than ``json`` on a page
        of invoices); the same JSON, with non-ASCII text as UTF-8 instead of escapes."""
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        """Development only: GraphiQL from the vendored assets under /static/, signing in
        through the embedded issuer (api/web/static/graphiql-page.js), no CDN."""
        return HTMLResponse(graphiql_page())

    def decode_json(self, data: str | bytes) -> object:
        try:
            value = super().decode_json(data)
        except RecursionError:
            raise HTTPException(400, f"The request body is nested deeper than {MAX_JSON_DEPTH} levels.") from None
        except UnicodeDecodeError:
            raise HTTPException(400, "The request body is not UTF-8.") from None
        if json_depth(value) > MAX_JSON_DEPTH:
            raise HTTPException(400, f"The request body is nested deeper than {MAX_JSON_DEPTH} levels.")
        if not isinstance(value, (dict, list)):
            raise HTTPException(400, "The request body must be a JSON object with a `query`.")
        if isinstance(value, dict):
            self._trusted_text(value)
        return value

    def _trusted_text(self, body: dict[str, Any]) -> None:
        """A request naming a trusted document by id (``documentId``, or Apollo's
        ``extensions.persistedQuery.sha256Hash``) gets its text as ``query``."""
        document_id = body.get("documentId")
        extensions = body.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if document_id is None and isinstance(persisted, dict):
            sha256 = persisted.get("sha256Hash")
            document_id = f"{ID_PREFIX}{sha256}" if isinstance(sha256, str) else sha256
        if document_id is None:
            return
        if not isinstance(document_id, str):
            raise HTTPException(400, "`documentId` must be a string such as `sha256:<hex digest of the document>`.")
        trusted = self.schema.trusted_documents.by_id(document_id.lower())  # type: ignore[attr-defined]
        if trusted is None:
            raise UnknownDocument(document_id)
        query = body.get("query")
        if query is not None and query != trusted.text:
            raise HTTPException(400, "`query` and `documentId` name different documents: send one of them.")
        body["query"] = trusted.text

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

    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Run the operation, then count it and its errors by code (api/metrics.py) and
        leave its name for the access log (api/logs.py)."""
        result = await self._execute_operation(request, request_adapter, context, root_value, request_data)
        name = context.operation_name or request_data.operation_name
        if not isinstance(name, str):  # `operationName` as the client sent it: any JSON value
            name = None
        request.scope["portal.operation"] = name
        request.app.state.services.metrics.graphql_result(name, result.errors)
        return result

    async def _execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        settings: Settings = request.app.state.services.settings
        policy = RequestPolicy(
            max_cost=settings.graphql_max_cost,
            introspection=may_introspect(
                context.caller, open_to_all=not settings.is_production, clients=settings.introspection_clients
            ),
        )
        allowed = OperationType.from_http(request_adapter.method)
        if not self.allow_queries_via_get and request_adapter.method == "GET":
            allowed = allowed - {OperationType.QUERY}
        budget = asyncio.timeout(settings.graphql_timeout_seconds)
        token = current_policy.set(policy)
        try:
            async with budget:
                return await self.schema.execute(
                    request_data.query,
                    root_value=root_value,
                    variable_values=request_data.variables,
                    context_value=context,
                    operation_name=request_data.operation_name,
                    allowed_operation_types=allowed,
                    operation_extensions=request_data.extensions,
                )
        except TimeoutError:
            if not budget.expired():
                raise
            return _timed_out(settings.graphql_timeout_seconds, request_data.operation_name)
        except (MissingQueryError, CannotGetOperationTypeError) as exc:
            return _no_operation(exc)
        except InvalidOperationTypeError as exc:  # a mutation sent with GET
            raise HTTPException(400, exc.as_http_error_reason(request_adapter.method)) from exc
        finally:
            current_policy.reset(token)


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
        services = request.app.state.services
        try:
            scope["portal.caller"] = caller = await self.authenticate(request)
        except (InvalidToken, NotAuthorised) as exc:
            services.metrics.token_validations.labels(_token_result(exc)).inc()
            await self.unauthorised(exc, request).__call__(scope, receive, send)
            return
        services.metrics.token_validations.labels("ok").inc()
        # The caller's rate limit (429 when spent), then its Idempotency-Key (docs/limits.md).
        guarded = serve_idempotently(services, caller)(self.graphql)
        await services.rate_limiter.serve(caller, guarded, scope, receive, send)

    async def authenticate(self, request: Request) -> Any:
        """The caller of a request with a bearer token (``InvalidToken`` or
        ``NotAuthorised`` otherwise); the document downloads use it too."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _MissingToken("a bearer access token is required")
        claims, revocable = await self.validator.validate_signed(token.strip())
        # The embedded issuer's tokens are checked against revocation by resolve_caller,
        # in the same statement that finds the member (one round trip, not two).
        unrevoked_jti = claims["jti"] if revocable else None
        try:
            account_hint = _account_hint(request)
        except NotAuthorised:
            if unrevoked_jti is not None:  # a revoked token is reported as such first
                await require_unrevoked(unrevoked_jti, self.validator.is_revoked)
            raise
        return await resolve_caller(
            claims, own_issuer=self.validator.issuer_keys.own_issuer, account_hint=account_hint,
            unrevoked_jti=unrevoked_jti, is_revoked=self.validator.is_revoked,
        )

    @staticmethod
    def unauthorised(exc: Exception, request: Request) -> Response:
        """The 401 for a refused token, with its ``WWW-Authenticate`` challenge."""
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


def _token_result(exc: Exception) -> str:
    """The ``result`` label of a refused token (``portal_token_validations``)."""
    if isinstance(exc, _MissingToken):
        return "missing"
    if "revoked" in str(exc):
        return "revoked"
    return "invalid" if isinstance(exc, InvalidToken) else "not_authorised"


def _timed_out(seconds: float, operation_name: str | None) -> ExecutionResult:
    request_id = current_request_id.get()
    graphql_logger.warning(
        "operation %s cancelled after %gs (request %s)", operation_name or "(anonymous)", seconds, request_id
    )
    return _failed(
        graphql_error(
            f"The operation did not finish within {seconds:g} seconds and was cancelled."
            f" Quote request id {request_id} to support.",
            GraphQLErrorCode.REQUEST_TIMEOUT,
            requestId=request_id,
        )
    )


def _no_operation(cause: Exception) -> ExecutionResult:
    """The coded error for a request that names nothing to run (Strawberry raises
    these before any extension could answer)."""
    if isinstance(cause, MissingQueryError):
        error = graphql_error("The request has no GraphQL document (`query`).", GraphQLErrorCode.GRAPHQL_PARSE_FAILED)
    elif isinstance(cause, CannotGetOperationTypeError) and cause.operation_name is not None:
        error = graphql_error(
            f"The document has no operation named {cause.operation_name!r} (`operationName`).",
            GraphQLErrorCode.BAD_USER_INPUT,
        )
    else:
        error = graphql_error("The document has no operation to run.", GraphQLErrorCode.GRAPHQL_VALIDATION_FAILED)
    graphql_logger.info("refused operation: %s", error.message)
    return _failed(error)


def bad_request(
    reason: str, status_code: int = 400, code: GraphQLErrorCode = GraphQLErrorCode.BAD_REQUEST
) -> JSONResponse:
    """The answer to an HTTP request that is not a GraphQL request at all."""
    return JSONResponse({"errors": [{"message": reason, "extensions": {"code": code.value}}]}, status_code=status_code)


class UnknownDocument(HTTPException):
    """A ``documentId`` that is not one of the server's trusted documents."""

    code = GraphQLErrorCode.PERSISTED_DOCUMENT_NOT_FOUND

    def __init__(self, document_id: str) -> None:
        shown = document_id if len(document_id) <= 80 else document_id[:77] + "..."
        super().__init__(
            400, f"No trusted document has the id {shown!r}: send the document's text as `query`, or a known id."
        )


def json_depth(value: object) -> int:
    """How deeply ``value`` nests arrays and objects (a scalar is 0), without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _failed(error: GraphQLError) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[error])


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
