"""GET/POST /signin, GET /signout and the page's stylesheet.

POST /signin, in order: the CSRF token (403), the failure budget per user name
and per address (429 with Retry-After, before any lookup or hash), then the user
and one argon2 verification in the bounded pool (an unknown name verifies a dummy
hash: same cost, same answer). Success starts a fresh session and answers 303 to
``next``, which is only ever a path on this service (never another site).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.oauth import store
from api.oauth.throttle import USER, FailureThrottle, Throttled, address_key
from api.settings import Settings
from api.signin import session
from api.signin.pages import STYLESHEET, message, page
from api.signin.passwords import Passwords
from api.signin.users import find_user_to_sign_in

MAX_NEXT_LENGTH = 4_000
WRONG = "Incorrect user name or password."


def safe_next(value: object) -> str | None:
    """``value`` if it is a path on this service (``/…``, never ``//host`` or a URL), else None."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > MAX_NEXT_LENGTH:
        return None
    if value.startswith("//") or "\\" in value or not value.isprintable():
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


async def _redirect_origin(next_path: str | None) -> tuple[str, ...]:
    """The origin of the registered redirect URI the authorization request in ``next``
    will send the browser to (for the page's ``form-action``)."""
    if not next_path or urlsplit(next_path).path != "/oauth/authorize":
        return ()
    query = parse_qs(urlsplit(next_path).query)
    client_id, redirect_uri = (query.get(name, [""])[0] for name in ("client_id", "redirect_uri"))
    client = await store.find_client(client_id) if client_id else None
    if client is None or not client.check_redirect_uri(redirect_uri):
        return ()
    parts = urlsplit(redirect_uri)
    return (f"{parts.scheme}://{parts.netloc}",) if parts.netloc else (f"{parts.scheme}:",)


def signin_routes(settings: Settings, passwords: Passwords | None = None) -> list[Route]:
    passwords = passwords or Passwords(settings.secret_hash_concurrency)
    throttle = FailureThrottle.for_sign_in(
        settings.login_failures_per_user, settings.login_failures_per_address, settings.auth_failure_window_seconds
    )

    async def form(
        request: Request, next_path: str | None, status: int = 200, *, error: str | None = None,
        username: str = "", headers: dict[str, str] | None = None,
    ) -> Response:
        return page(
            "signin.html", status, title="Sign in", csrf_token=session.csrf_token(request), next=next_path,
            username=username, error=error, headers=headers, form_action=await _redirect_origin(next_path),
        )

    async def show(request: Request) -> Response:
        next_path = safe_next(request.query_params.get("next"))
        subject = await session.signed_in_subject(request)
        if subject is not None and next_path is None:
            return message("Signed in", f"You are signed in as {subject}.", link=("/signout", "Sign out"))
        return await form(request, next_path)

    async def submit(request: Request) -> Response:
        data = await request.form(max_files=0, max_fields=10)
        next_path = safe_next(data.get("next"))
        if not session.csrf_matches(request, data.get("csrf_token")):
            return message(
                "Sign-in refused", "This form has expired or did not come from this site. Reload the page and try again.",
                403, link=("/signin" + (f"?{urlencode({'next': next_path})}" if next_path else ""), "Reload"),
            )
        username, password = str(data.get("username") or "").strip(), str(data.get("password") or "")
        keys = [address_key(request.client.host if request.client else None), (USER, username.casefold())]
        try:
            await throttle.reserve(keys)
        except Throttled as exc:
            return await form(
                request, next_path, 429, username=username, headers={"Retry-After": str(exc.retry_after)},
                error=f"Too many failed sign-ins. Try again in {exc.retry_after} seconds.",
            )
        failed = True
        try:
            user = await find_user_to_sign_in(username) if username and password else None
            failed = not await passwords.verify(password, user.password_hash if user else None) or user is None
        finally:
            throttle.settle(keys, failed=failed)
        if failed or user is None:
            return await form(request, next_path, 400, username=username, error=WRONG)
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = await passwords.hash(password)
            await user.save(update_fields=["password_hash"])
        session.sign_in(request, user.subject)
        return RedirectResponse(next_path or "/signin", status_code=303)

    async def signout(request: Request) -> Response:
        session.sign_out(request)
        target = request.query_params.get("post_logout_redirect_uri")
        client_id = request.query_params.get("client_id")
        client = await store.find_client(client_id) if client_id and target else None
        if client is not None and target and client.check_redirect_uri(target):
            state = request.query_params.get("state")
            if state:
                target += ("&" if urlsplit(target).query else "?") + urlencode({"state": state})
            return RedirectResponse(target, status_code=303)
        return message("Signed out", "You are signed out.", link=("/signin", "Sign in again"))

    async def stylesheet(request: Request) -> Response:
        return Response(
            STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
        )

    return [
        Route("/signin", show, methods=["GET"]),
        Route("/signin", submit, methods=["POST"]),
        Route("/signout", signout, methods=["GET"]),
        Route("/signin/style.css", stylesheet, methods=["GET"]),
    ]
