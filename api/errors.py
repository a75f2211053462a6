"""HTTP 503 when a dependency is unavailable: the database, or an external issuer's keys.

``ServiceUnavailableMiddleware`` sits inside ``RequestIdMiddleware`` (so the answer
carries ``X-Request-ID``) and inside ``SecurityHeadersMiddleware``. An exception that
reaches it before the response has started and that means "a dependency did not
answer" becomes a 503 with ``Retry-After`` and a JSON body; anything else passes on
unchanged (to Starlette's 500). Failures inside GraphQL resolvers never get here:
Strawberry catches them, and ``schema/extensions.py`` turns them into the same code.

Bodies:

- ``/oauth/*`` and ``/.well-known/*`` (OAuth clients parse RFC 6749 errors)::

    {"error": "temporarily_unavailable", "error_description": "...", "request_id": "..."}

- everything else (``/graphql``)::

    {"errors": [{"message": "...", "extensions": {"code": "SERVICE_UNAVAILABLE", "requestId": "..."}}]}
"""

from __future__ import annotations

import logging
import math

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import route_template
from api.oauth.jwks import IssuerUnavailable
from models.database import is_database_unavailable
from schema.error_codes import GraphQLErrorCode
from schema.request_id import current_request_id

logger = logging.getLogger("portal.unavailable")

RETRY_AFTER_SECONDS = 5
SERVICE_UNAVAILABLE = GraphQLErrorCode.SERVICE_UNAVAILABLE.value
"""``extensions.code`` of the answer."""
_OAUTH_PREFIXES = ("/oauth/", "/.well-known/")


def unavailability(exc: BaseException) -> tuple[str, int] | None:
    """``(what a client is told, seconds to wait)`` if ``exc`` means a dependency is
    unavailable, else ``None``."""
    if isinstance(exc, IssuerUnavailable):
        return str(exc), max(1, math.ceil(exc.retry_after))
    if is_database_unavailable(exc):
        return "the database is not answering", RETRY_AFTER_SECONDS
    return None


def unavailable_response(path: str, reason: str, retry_after: int) -> JSONResponse:
    request_id = current_request_id.get()
    headers = {"Retry-After": str(retry_after)}
    description = f"Service temporarily unavailable: {reason}. Retry in {retry_after} s."
    if path.startswith(_OAUTH_PREFIXES):
        body: dict[str, object] = {
            "error": "temporarily_unavailable",
            "error_description": description,
            "request_id": request_id,
        }
    else:
        message = f"{description} If it persists, quote request id {request_id} to support."
        body = {"errors": [{"message": message, "extensions": {"code": SERVICE_UNAVAILABLE, "requestId": request_id}}]}
    return JSONResponse(body, status_code=503, headers=headers)


class ServiceUnavailableMiddleware:
    """Answers 503 for a dependency that is down (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            found = unavailability(exc)
            if found is None or started:
                raise
            reason, retry_after = found
            logger.warning(
                "503 for %s %s (request %s): %s: %s",
                scope.get("method", "-"),
                route_template(scope),  # not the raw path: /documents/{token} carries a secret
                current_request_id.get(),
                type(exc).__name__,
                exc,
            )
            await unavailable_response(scope.get("path", ""), reason, retry_after)(scope, receive, send)
