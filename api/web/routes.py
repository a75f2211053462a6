"""``/static/`` (the vendored GraphiQL and React, the pages' own scripts) and ``/console/``
(the reference console, plain ES modules without a build step). Development only: the app
mounts these routes when ``PORTAL_ENV`` is not production, where GraphiQL is hidden too."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WEB = Path(__file__).resolve().parent
STATIC = WEB / "static"
VENDOR = STATIC / "vendor"
CONSOLE = WEB / "console"

IMMUTABLE = "public, max-age=31536000, immutable"
"""Files under ``vendor/`` carry their version in their path: a new version is a new URL."""
REVALIDATE = "no-cache"
"""The pages' own scripts change with the code: cached, but checked (ETag) on every use."""


class Assets(StaticFiles):
    """Static files with a Cache-Control chosen by path (the security middleware would
    otherwise send ``no-store``)."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        vendored = Path(full_path).resolve().is_relative_to(VENDOR)
        response.headers["cache-control"] = IMMUTABLE if vendored else REVALIDATE
        return response


def web_routes() -> list[BaseRoute]:
    """The development pages' routes (``/console`` redirects to ``/console/``)."""
    return [
        Mount("/static", app=Assets(directory=STATIC), name="static"),
        Mount("/console", app=StaticFiles(directory=CONSOLE, html=True), name="console"),
    ]


@cache
def graphiql_page() -> str:
    """The development GraphiQL page (no inline script: see ``static/graphiql-page.js``)."""
    return (WEB / "templates" / "graphiql.html").read_text(encoding="utf-8")
