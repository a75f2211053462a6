"""The grants of public clients: authorization code with PKCE, and refresh tokens.

authlib's grant classes do the protocol (RFC 6749 4.1 and 6, RFC 7636); this module
adds what OAuth 2.1 and RFC 9700 demand on top of them:

- ``state`` is required, and only public clients (``token_endpoint_auth_method``
  ``none``) use these grants; confidential clients keep to client credentials;
- PKCE is required with ``S256``: a request without ``code_challenge``, without
  ``code_challenge_method`` or with ``plain`` is ``invalid_request``;
- the scope asked for must be among the client's (``invalid_scope``; none asked:
  all of the client's);
- a code or refresh token is single use; reuse revokes the family
  (``api.oauth.grant_store``), and each refresh rotates the refresh token.

Storage hooks run on the event loop through ``api.oauth.bridge.on_loop`` (see ``api.oauth.server``).
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc7636 import CodeChallenge

from api.oauth import grant_store
from api.oauth.bridge import on_loop as _on_loop
from api.oauth.store import PUBLIC_AUTH_METHOD

S256 = "S256"


def check_client_scope(request: Any) -> None:
    """``invalid_scope`` unless every scope asked for is one the client was given."""
    requested = (request.payload.scope or "").split()
    if any(scope not in request.client.scopes for scope in requested):
        raise InvalidScopeError("the client may not ask for this scope")


class S256CodeChallenge(CodeChallenge):
    """PKCE, required, ``S256`` only (OAuth 2.1 4.1.1; ``plain`` is refused)."""

    DEFAULT_CODE_CHALLENGE_METHOD = S256
    SUPPORTED_CODE_CHALLENGE_METHOD = [S256]
    CODE_CHALLENGE_METHODS = {S256: CodeChallenge.CODE_CHALLENGE_METHODS[S256]}

    def __init__(self) -> None:
        super().__init__(required=True)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE with S256 is required.")
        if data.get("code_challenge_method") != S256:
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [PUBLIC_AUTH_METHOD]

    def validate_authorization_request(self) -> str:
        redirect_uri: str = super().validate_authorization_request()
        if not self.request.payload.state:
            raise InvalidRequestError("Missing 'state': it is required.", redirect_uri=redirect_uri)
        return redirect_uri

    def validate_requested_scope(self) -> None:
        super().validate_requested_scope()
        check_client_scope(self.request)

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        _on_loop(
            grant_store.save_code, code, request.client.client_id, request.user.subject, request.payload.redirect_uri,
            request.scope, data["code_challenge"], data["code_challenge_method"], self.server.code_ttl_seconds,
        )

    def query_authorization_code(self, code: str, client: Any) -> grant_store.CodeRecord | None:
        return _on_loop(grant_store.find_code, code, client.client_id)

    def authenticate_user(self, authorization_code: grant_store.CodeRecord) -> grant_store.SignedInUser | None:
        """The code's user, once the code is claimed (single use, atomic)."""
        if not _on_loop(grant_store.use_code, authorization_code.code_hash):
            raise InvalidGrantError("The code was already used.")
        if _on_loop(grant_store.find_user, authorization_code.subject) is None:
            return None
        return grant_store.SignedInUser(authorization_code.subject, authorization_code.family)

    def delete_authorization_code(self, authorization_code: grant_store.CodeRecord) -> None:
        """Nothing left to do: ``authenticate_user`` marked the code used."""


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [PUBLIC_AUTH_METHOD]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> grant_store.RefreshRecord | None:
        return _on_loop(grant_store.find_refresh_token, refresh_token, self.request.client.client_id)

    def authenticate_user(self, refresh_token: grant_store.RefreshRecord) -> grant_store.SignedInUser | None:
        """The token's user, once the token is claimed (rotation: single use, atomic)."""
        if not _on_loop(grant_store.use_refresh_token, refresh_token.token_hash):
            raise InvalidGrantError("The refresh token was already used.")
        if _on_loop(grant_store.find_user, refresh_token.subject) is None:
            return None
        return grant_store.SignedInUser(refresh_token.subject, refresh_token.family)

    def revoke_old_credential(self, refresh_token: grant_store.RefreshRecord) -> None:
        """Nothing left to do: ``authenticate_user`` marked the token used."""
