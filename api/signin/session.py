"""The browser session of the sign-in page: a signed cookie (Starlette's
SessionMiddleware, itsdangerous), holding who signed in and the CSRF token.

The cookie is ``portal_session``: HttpOnly, SameSite=Lax, Secure in production,
expiring after ``PORTAL_SESSION_TTL_SECONDS``. It is signed, not encrypted: it
holds nothing secret but the CSRF token, which its holder may read anyway. Its key
is ``PORTAL_SESSION_SECRET``, or when unset one derived from the issuer's signing
key (HMAC-SHA256 of its private PEM with a fixed label), so development needs no
extra setting and every process of one deployment agrees on it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.oauth.keys import SigningKey
from api.settings import Settings
from models.users import User

SESSION_COOKIE = "portal_session"
SUBJECT = "subject"
SIGNED_IN_AT = "signed_in_at"
CSRF = "csrf"
_LABEL = b"portal/session-cookie/v1"


def session_secret(settings: Settings, key: SigningKey) -> str:
    if settings.session_secret:
        return settings.session_secret
    pem = key.key.as_pem(private=True)
    return hmac.new(pem, _LABEL, hashlib.sha256).hexdigest()


SESSION_PATHS = ("/signin", "/signout", "/oauth/authorize")
"""The routes that read or write the session (``/signin`` with ``/signin/style.css``):
only these go through ``SessionMiddleware``; no other route has a session."""


def session_middleware(settings: Settings, key: SigningKey) -> Middleware:
    return Middleware(
        SessionOnPaths,
        paths=SESSION_PATHS,
        secret_key=session_secret(settings, key),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_ttl_seconds,
        same_site="lax",
        https_only=settings.is_production,
    )


class SessionOnPaths:
    """``SessionMiddleware`` (with ``options``) on the routes at or under ``paths``;
    every other request skips it (reading the cookie and wrapping ``send`` on each
    GraphQL request cost time for nothing)."""

    def __init__(self, app: ASGIApp, *, paths: tuple[str, ...], **options: Any) -> None:
        self.app = app
        self.with_session = SessionMiddleware(app, **options)
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] in ("http", "websocket") else ""
        if any(path == prefix or path.startswith(prefix + "/") for prefix in self.paths):
            await self.with_session(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get(CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF] = token
    return token


def csrf_matches(request: Request, submitted: object) -> bool:
    """The form's token is the session's (double submit; constant-time comparison)."""
    expected = request.session.get(CSRF)
    return (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and bool(expected)
        and hmac.compare_digest(expected.encode(), submitted.encode())
    )


def sign_in(request: Request, subject: str) -> None:
    """A fresh session for ``subject`` (nothing of the previous one survives)."""
    request.session.clear()
    request.session[SUBJECT] = subject
    request.session[SIGNED_IN_AT] = int(time.time())
    request.session[CSRF] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    request.session.clear()


async def signed_in_subject(request: Request) -> str | None:
    """The subject of the session's user, if there is one, they are still active, and
    their password has not changed since they signed in (a session signed in with an
    old password ends with it). The cookie is stateless: signing out clears it, but a
    copy taken before stays valid until it expires or the password changes."""
    subject = request.session.get(SUBJECT)
    signed_in_at = request.session.get(SIGNED_IN_AT)
    if not isinstance(subject, str) or not subject or not isinstance(signed_in_at, int):
        return None
    user = await User.get_or_none(subject=subject, disabled_at=None)
    if user is None or user.password_changed_at.timestamp() > signed_in_at + 1:
        sign_out(request)
        return None
    return subject
