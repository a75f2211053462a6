"""HTTP routes of the embedded authorization server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from anyio import to_thread
from authlib.common.urls import add_params_to_uri
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api.oauth.client_auth import ClientAuthRefused
from api.oauth.server import PortalAuthorizationServer, StarletteOAuth2Request
from api.oauth.store import CLIENT_AUTH_METHODS, PUBLIC_AUTH_METHOD
from api.signin.pages import message
from api.signin.session import signed_in_subject
from billing.access.caller import ALL_SCOPES


def metadata_document(issuer: str) -> dict[str, Any]:
    """RFC 8414 authorization server metadata (with RFC 9207's ``iss`` flag)."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "jwks_uri": f"{issuer}/oauth/jwks",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [*CLIENT_AUTH_METHODS, PUBLIC_AUTH_METHOD],
        "revocation_endpoint_auth_methods_supported": [*CLIENT_AUTH_METHODS, PUBLIC_AUTH_METHOD],
        "introspection_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
        "scopes_supported": list(ALL_SCOPES),
        "authorization_response_iss_parameter_supported": True,
    }


def oauth_routes(server: PortalAuthorizationServer, issuer: str) -> list[Route]:
    async def token(request: Request) -> Response:
        return await _run(server, server.create_token_response, request)

    async def revoke(request: Request) -> Response:
        return await _run(server, lambda r: server.create_endpoint_response("revocation", r), request)

    async def introspect(request: Request) -> Response:
        return await _run(server, lambda r: server.create_endpoint_response("introspection", r), request)

    async def jwks(request: Request) -> Response:
        # every key of the set (active and retiring), as the server's key ring last read it
        return JSONResponse(server.key_ring.current().public_jwks, headers={"Cache-Control": "public, max-age=300"})

    async def metadata(request: Request) -> Response:
        return JSONResponse(metadata_document(issuer))

    async def authorize(request: Request) -> Response:
        """RFC 6749 4.1.1 with PKCE; see ``PortalAuthorizationServer.authorize``."""
        oauth_request = StarletteOAuth2Request(
            "GET", str(request.url), request.headers, request.query_params, None
        )
        subject = await signed_in_subject(request)
        answer = await to_thread.run_sync(server.authorize, oauth_request, subject)
        if answer is None:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/signin?" + urlencode({"next": here}), status_code=302)
        status, body, headers = answer
        location = dict(headers).get("Location")
        if status == 302 and location:
            # RFC 9207: every authorization response, errors included, names the issuer.
            return RedirectResponse(add_params_to_uri(location, [("iss", issuer)]), status_code=302)
        error = dict(body) if body else {}
        return message(
            "Sign-in request refused",
            f"The application sent an invalid sign-in request ({error.get('error', 'invalid_request')}: "
            f"{error.get('error_description') or 'no details'}). Nothing was sent back to it.",
            400,
        )

    return [
        Route("/oauth/authorize", authorize, methods=["GET"]),
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
