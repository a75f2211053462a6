"""HTTP routes of the embedded authorization server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.oauth.client_auth import ClientAuthRefused
from api.oauth.keys import SigningKey
from api.oauth.server import PortalAuthorizationServer, StarletteOAuth2Request
from billing.access.caller import ALL_SCOPES


def oauth_routes(server: PortalAuthorizationServer, issuer: str, key: SigningKey) -> list[Route]:
    async def token(request: Request) -> Response:
        return await _run(server, server.create_token_response, request)

    async def revoke(request: Request) -> Response:
        return await _run(server, lambda r: server.create_endpoint_response("revocation", r), request)

    async def introspect(request: Request) -> Response:
        return await _run(server, lambda r: server.create_endpoint_response("introspection", r), request)

    async def jwks(request: Request) -> Response:
        return JSONResponse(key.public_jwks, headers={"Cache-Control": "public, max-age=300"})

    async def metadata(request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": issuer,
                "token_endpoint": f"{issuer}/oauth/token",
                "jwks_uri": f"{issuer}/oauth/jwks",
                "revocation_endpoint": f"{issuer}/oauth/revoke",
                "introspection_endpoint": f"{issuer}/oauth/introspect",
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": list(ALL_SCOPES),
                "response_types_supported": [],
            }
        )

    return [
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
        Route("/oauth/introspect", introspect, methods=["POST"]),
        Route("/oauth/jwks", jwks, methods=["GET"]),
        Route("/.well-known/oauth-authorization-server", metadata, methods=["GET"]),
    ]


async def _run(
    server: PortalAuthorizationServer, endpoint: Callable[[StarletteOAuth2Request], Any], request: Request
) -> Response:
    """Read the form and authenticate the client on the loop (throttled, hashing in a
    bounded pool: see client_auth.py), then run authlib in a worker thread (see server.py)."""
    form = await request.form(max_files=0, max_fields=20)
    try:
        client, method = await server.client_auth.authenticate(
            request.headers, form, request.client.host if request.client else None
        )
    except ClientAuthRefused as refusal:
        return JSONResponse(refusal.body, status_code=refusal.status, headers=refusal.headers)
    oauth_request = StarletteOAuth2Request(
        request.method, str(request.url), request.headers, request.query_params, form
    )
    oauth_request.authenticated_client, oauth_request.authenticated_by = client, method
    status, body, headers = await to_thread.run_sync(endpoint, oauth_request)
    extra = {name: value for name, value in headers if name.lower() != "content-type"}
    return JSONResponse(body, status_code=status, headers=extra)
