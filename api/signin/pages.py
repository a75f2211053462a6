"""Server-rendered HTML of the sign-in page, sign-out and authorization errors.

Each response carries its own Content-Security-Policy (the security headers
middleware keeps a policy the route set): nothing but the stylesheet at
``/signin/style.css`` loads, no script at all, never framed. ``form-action``
allows this origin, plus, when the form continues an authorization request, the
origin of that request's (registered) redirect URI, because browsers also check
the redirects that follow a form submission.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

_ENV = Environment(loader=PackageLoader("api.signin", "templates"), autoescape=select_autoescape(default=True))
STYLESHEET = resources.files("api.signin").joinpath("templates/style.css").read_text()


def csp(form_action: tuple[str, ...] | None = None) -> str:
    """The page's policy; ``form_action`` None: the page has no form."""
    sources = " ".join(("'self'", *form_action)) if form_action is not None else "'none'"
    return (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        f"form-action {sources}; frame-ancestors 'none'"
    )


def page(
    template: str,
    status: int = 200,
    *,
    form_action: tuple[str, ...] | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    html = _ENV.get_template(template).render(**context)
    return HTMLResponse(
        html, status_code=status, headers={"Content-Security-Policy": csp(form_action), **(headers or {})}
    )


def message(title: str, text: str, status: int = 200, *, link: tuple[str, str] | None = None) -> Response:
    """A page that only says something (signed out, an authorization error, a refusal)."""
    return page("message.html", status, title=title, text=text, link=link)
